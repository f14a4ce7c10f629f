package dev.attune.nn.audio;

import java.io.IOException;

/** A WAV file that cannot be decoded: the message names the file, what was expected and what was found. */
public class WavFormatException extends IOException {

    public WavFormatException(String file, String problem) {
        super(file + ": " + problem);
    }
}
