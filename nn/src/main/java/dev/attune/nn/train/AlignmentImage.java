package dev.attune.nn.train;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * The attention alignment of one decoded utterance as a PNG heat map: one row per output
 * symbol (labelled on the left), one column per listener state, each cell's brightness its
 * weight (0 black, the row's maximum possible weight 1 white), so a good alignment shows as a
 * bright diagonal.
 */
public final class AlignmentImage {
    private static final int CELL = 6, MARGIN = 14;

    private AlignmentImage() {}

    /**
     * Writes {@code weights} (rows x listener states, each in [0, 1]) to {@code png} atomically;
     * {@code labels} names each row (one character per row, e.g. the hypothesis and '$' for end).
     */
    public static void write(Path png, float[][] weights, String labels) throws IOException {
        if (weights.length == 0 || weights[0].length == 0) {
            throw new IllegalArgumentException("AlignmentImage: expected at least one row and one column, got " + weights.length + " rows");
        }
        if (labels.length() != weights.length) {
            throw new IllegalArgumentException("AlignmentImage: expected one label per row (" + weights.length + "), got " + labels.length());
        }
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
        int rows = weights.length, cols = weights[0].length;
        BufferedImage img = new BufferedImage(MARGIN + cols * CELL, rows * CELL + 2 * CELL, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setFont(new Font(Font.MONOSPACED, Font.PLAIN, CELL + 2));
        for (int r = 0; r < rows; r++) {
            if (weights[r].length != cols) {
                throw new IllegalArgumentException("AlignmentImage: row " + r + " has " + weights[r].length + " columns, expected " + cols);
            }
            g.setColor(Color.BLACK);
            g.drawString(String.valueOf(labels.charAt(r)), 2, CELL + r * CELL + CELL);
            for (int c = 0; c < cols; c++) {
                int v = Math.round(255 * Math.clamp(weights[r][c], 0f, 1f));
                g.setColor(new Color(v, v, v));
                g.fillRect(MARGIN + c * CELL, CELL + r * CELL, CELL, CELL);
            }
        }
        g.dispose();
        Curves.writeAtomically(png, os -> {
            if (!ImageIO.write(img, "png", os)) throw new IOException("AlignmentImage: no PNG writer available");
        });
    }
}
