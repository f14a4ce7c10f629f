package dev.attune.tensor.io;

import dev.attune.tensor.Tensor;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The contents of a safetensors file: its tensors in the order the header lists them, and the
 * string-to-string {@code __metadata__} (empty when the file has none). Both maps are unmodifiable.
 *
 * @param file     the file that was read
 * @param tensors  tensor name to tensor (float32, int32 or bool, on the CPU), in header order
 * @param metadata the header's {@code __metadata__}, in header order
 */
public record SafetensorsFile(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
    public SafetensorsFile {
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** The tensor called {@code name}; throws, naming the file and the names present, when there is none. */
    public Tensor tensor(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new NoSuchElementException("safetensors file " + file + " has no tensor '" + name + "' (it has "
                    + (tensors.size() <= 20 ? tensors.keySet().toString() : tensors.size() + " tensors") + ")");
        }
        return t;
    }
}
