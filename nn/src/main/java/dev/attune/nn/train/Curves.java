package dev.attune.nn.train;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/** Renders a training run's curves (charts of named series against the step) into one PNG with XChart. */
final class Curves {
    private Curves() {}

    /**
     * One chart: named series (values per step) with an optional fixed y range.
     *
     * @param yMin lower end of the y axis, or null for automatic
     * @param yMax upper end of the y axis, or null for automatic
     */
    record Chart(String title, String yTitle, Map<String, double[]> series, Double yMin, Double yMax) {}

    /** Something that writes a file's bytes to a stream. */
    @FunctionalInterface
    interface Writer {
        void write(OutputStream os) throws IOException;
    }

    /** The speaker run's two charts (training loss; training and validation accuracy) side by side. */
    static void write(Path png, List<SpeakerTrainer.Point> curve, String title) throws IOException {
        double[] steps = curve.stream().mapToDouble(SpeakerTrainer.Point::step).toArray();
        Map<String, double[]> acc = new LinkedHashMap<>();
        acc.put("training", curve.stream().mapToDouble(SpeakerTrainer.Point::trainAccuracy).toArray());
        acc.put("validation", curve.stream().mapToDouble(SpeakerTrainer.Point::validationAccuracy).toArray());
        write(png, steps, List.of(
                new Chart(title + ": training loss", "loss", Map.of("training loss", curve.stream().mapToDouble(SpeakerTrainer.Point::trainLoss).toArray()),
                        null, null),
                new Chart(title + ": accuracy", "accuracy", acc, 0.0, 1.0)));
    }

    /** Writes the charts side by side to {@code png}, replacing it atomically. */
    static void write(Path png, double[] steps, List<Chart> charts) throws IOException {
        // rendering needs no display; set before AWT initialises
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
        List<XYChart> built = new ArrayList<>();
        for (Chart c : charts) {
            XYChart chart = new XYChartBuilder().width(640).height(400).title(c.title()).xAxisTitle("step").yAxisTitle(c.yTitle()).build();
            c.series().forEach((name, ys) -> chart.addSeries(name, steps, ys));
            if (c.yMin() != null) chart.getStyler().setYAxisMin(c.yMin());
            if (c.yMax() != null) chart.getStyler().setYAxisMax(c.yMax());
            built.add(chart);
        }
        writeAtomically(png, os -> BitmapEncoder.saveBitmap(new ArrayList<>(built), 1, built.size(), os, BitmapEncoder.BitmapFormat.PNG));
    }

    /** Writes {@code file} through a temporary file in its folder and an atomic move, so readers never see it half written. */
    static void writeAtomically(Path file, Writer writer) throws IOException {
        Path target = file.toAbsolutePath();
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
        try {
            try (OutputStream os = Files.newOutputStream(tmp)) {
                writer.write(os);
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
