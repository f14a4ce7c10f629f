package dev.attune.nn.train;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/** Renders a training run's curves (loss; training and validation accuracy, against the step) into one PNG with XChart. */
final class Curves {
    private Curves() {}

    /** Writes the two charts side by side to {@code png}, replacing it atomically. */
    static void write(Path png, List<SpeakerTrainer.Point> curve, String title) throws IOException {
        // rendering needs no display; set before AWT initialises
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
        double[] steps = curve.stream().mapToDouble(SpeakerTrainer.Point::step).toArray();
        XYChart loss = new XYChartBuilder().width(640).height(400).title(title + ": training loss").xAxisTitle("step").yAxisTitle("loss").build();
        loss.addSeries("training loss", steps, curve.stream().mapToDouble(SpeakerTrainer.Point::trainLoss).toArray());
        XYChart acc = new XYChartBuilder().width(640).height(400).title(title + ": accuracy").xAxisTitle("step").yAxisTitle("accuracy").build();
        acc.addSeries("training", steps, curve.stream().mapToDouble(SpeakerTrainer.Point::trainAccuracy).toArray());
        acc.addSeries("validation", steps, curve.stream().mapToDouble(SpeakerTrainer.Point::validationAccuracy).toArray());
        acc.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        Path target = png.toAbsolutePath();
        Path tmp = Files.createTempFile(target.getParent(), ".curves", ".png.tmp");
        try {
            try (OutputStream os = Files.newOutputStream(tmp)) {
                BitmapEncoder.saveBitmap(List.of(loss, acc), 1, 2, os, BitmapEncoder.BitmapFormat.PNG);
            }
            // temporary files are private (0600); the result is an ordinary readable file
            if (Files.getFileAttributeView(tmp, java.nio.file.attribute.PosixFileAttributeView.class) != null) {
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
