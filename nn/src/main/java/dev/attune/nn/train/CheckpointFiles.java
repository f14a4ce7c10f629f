package dev.attune.nn.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.attune.nn.optim.Optimizer;
import dev.attune.tensor.Tensor;
import dev.attune.tensor.io.Safetensors;
import dev.attune.tensor.io.SafetensorsFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The safetensors layout shared by the training checkpoints ({@link SpeakerCheckpoint}, {@link LasCheckpoint}):
 * model weights under their own names, optimizer state under {@code optimizer.*}, string metadata
 * with {@code format} and {@code format_version} and JSON values, written atomically by {@link Safetensors#write}.
 * {@code what} names the kind of checkpoint in error messages ("speaker checkpoint").
 */
final class CheckpointFiles {
    static final String OPTIMIZER_PREFIX = "optimizer.";
    private static final ObjectMapper JSON = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

    private CheckpointFiles() {}

    /** Weights, the optimizer's state (skipped when null) and {@code meta} (its first entries should be format and version), atomically. */
    static void write(Path file, Map<String, Tensor> weights, Optimizer optimizer, Map<String, String> meta) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>(weights);
        if (optimizer != null) optimizer.state().forEach((k, v) -> tensors.put(OPTIMIZER_PREFIX + k, v));
        Safetensors.write(file, tensors, meta);
    }

    /** A checkpoint file read back: its metadata, model weights and optimizer state (names without the prefix). */
    record Contents(Map<String, String> meta, Map<String, Tensor> weights, Map<String, Tensor> optimizer) {}

    /** Reads {@code file}, checking its {@code format} and {@code format_version}. */
    static Contents read(Path file, String format, String version, String what) throws IOException {
        SafetensorsFile f = Safetensors.read(file);
        Map<String, String> meta = f.metadata();
        if (!format.equals(meta.get("format"))) {
            throw new IOException(file + " is not an Attune " + what + " (metadata 'format' is "
                    + (meta.containsKey("format") ? "'" + meta.get("format") + "'" : "missing") + ", expected '" + format + "')");
        }
        if (!version.equals(meta.get("format_version"))) {
            throw new IOException(file + ": unsupported " + what + " version '" + meta.get("format_version") + "' (this build reads " + version + ")");
        }
        Map<String, Tensor> weights = new LinkedHashMap<>(), optimizer = new LinkedHashMap<>();
        f.tensors().forEach((k, v) -> {
            if (k.startsWith(OPTIMIZER_PREFIX)) optimizer.put(k.substring(OPTIMIZER_PREFIX.length()), v);
            else weights.put(k, v);
        });
        return new Contents(meta, weights, optimizer);
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("checkpoint: cannot write " + value + " as JSON", e);
        }
    }

    static String require(Path file, Map<String, String> meta, String key, String what) throws IOException {
        String v = meta.get(key);
        if (v == null) throw new IOException(file + ": damaged " + what + ": metadata '" + key + "' is missing");
        return v;
    }

    static <T> T parse(Path file, Map<String, String> meta, String key, TypeReference<T> type, String what) throws IOException {
        String v = require(file, meta, key, what);
        try {
            T value = JSON.readValue(v, type);
            if (value == null) throw new IOException(file + ": damaged " + what + ": metadata '" + key + "' is null");
            return value;
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new IOException(file + ": damaged " + what + ": metadata '" + key + "' cannot be read: " + e.getMessage(), e);
        }
    }

    /** An integer metadata value. */
    static int integer(Path file, Map<String, String> meta, String key, String what) throws IOException {
        try {
            return Integer.parseInt(require(file, meta, key, what));
        } catch (NumberFormatException e) {
            throw new IOException(file + ": damaged " + what + " metadata: " + e.getMessage(), e);
        }
    }

    /** A floating-point metadata value. */
    static double number(Path file, Map<String, String> meta, String key, String what) throws IOException {
        try {
            return Double.parseDouble(require(file, meta, key, what));
        } catch (NumberFormatException e) {
            throw new IOException(file + ": damaged " + what + " metadata: " + e.getMessage(), e);
        }
    }
}
