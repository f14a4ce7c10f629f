package dev.attune.nn.data;

import java.io.IOException;

/**
 * A corpus file or folder that is missing or malformed: the message names the file, what was
 * expected and what was found.
 */
public class CorpusFormatException extends IOException {

    public CorpusFormatException(Object file, String problem) {
        super(file + ": " + problem);
    }
}
