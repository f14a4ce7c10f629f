package dev.attune.examples;

import static org.junit.jupiter.api.Assertions.*;

import dev.attune.nn.Hw4Classifier;
import dev.attune.nn.Hw4Config;
import dev.attune.nn.audio.FbankOptions;
import dev.attune.nn.train.SpeakerCheckpoint;
import dev.attune.tensor.Generator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentifySpeakerTest {
    @TempDir
    Path dir;

    /** A 0.5 s 8 kHz 16-bit mono WAV of a 440 Hz tone. */
    private Path toneWav() throws IOException {
        int n = 4000;
        ByteBuffer b = ByteBuffer.allocate(44 + 2 * n).order(ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes()).putInt(36 + 2 * n).put("WAVE".getBytes()).put("fmt ".getBytes()).putInt(16).putShort((short) 1)
                .putShort((short) 1).putInt(8000).putInt(16000).putShort((short) 2).putShort((short) 16).put("data".getBytes()).putInt(2 * n);
        for (int i = 0; i < n; i++) b.putShort((short) (8000 * Math.sin(2 * Math.PI * 440 * i / 8000.0)));
        return Files.write(dir.resolve("tone.wav"), b.array());
    }

    @Test
    void namesOneOfTheCheckpointsSpeakers() throws IOException {
        Hw4Config c = SpeakerCheckpoint.configFor(Hw4Config.simple(), 40, 3);
        Hw4Classifier model = new Hw4Classifier(c, new Generator(1));
        Path ck = dir.resolve("ck.safetensors");
        SpeakerCheckpoint.save(ck, model, null, List.of("ann", "bob", "cy"), SpeakerCheckpoint.Features.fbankCmvn(FbankOptions.DEFAULTS), 0, 0);
        IdentifySpeaker.Guess g = IdentifySpeaker.identify(ck, toneWav());
        assertTrue(List.of("ann", "bob", "cy").contains(g.speaker()), g.toString());
        assertTrue(g.probability() >= 1.0 / 3 && g.probability() <= 1.0, g.toString());
    }
}
