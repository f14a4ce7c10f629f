package dev.attune.tensor.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A safetensors file whose contents break the format. The message names the file, the tensor
 * (when one is concerned), what was expected and what was found.
 */
public final class SafetensorsFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String tensor;

    public SafetensorsFormatException(Path file, String tensor, String problem) {
        this(file, tensor, problem, null);
    }

    public SafetensorsFormatException(Path file, String tensor, String problem, Throwable cause) {
        super(message(file, tensor, problem), cause);
        this.file = file;
        this.tensor = tensor;
    }

    /** The file that was being read. */
    public Path file() {
        return file;
    }

    /** The tensor concerned, or null when the problem is with the file as a whole. */
    public String tensor() {
        return tensor;
    }

    private static String message(Path file, String tensor, String problem) {
        StringBuilder sb = new StringBuilder("safetensors file ").append(file);
        if (tensor != null) sb.append(", tensor '").append(tensor).append('\'');
        return sb.append(": ").append(problem).toString();
    }
}
