package dev.attune.nn.train;

import static org.junit.jupiter.api.Assertions.*;

import dev.attune.nn.data.SharedData;
import dev.attune.nn.data.Split;
import dev.attune.nn.data.Utterance;
import dev.attune.nn.las.CharVocab;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The transcribed corpora on the real data: formats detected, splits as documented, transcripts spellable. */
class TranscribedDataTest {

    @Test
    void yesNoTrainsOnZeroFilesAndHoldsOutTheOneFiles() throws IOException {
        Path dir = SharedData.require("yesno");
        assertEquals(TranscribedData.Format.YESNO, TranscribedData.format(null, dir));
        Split<Utterance> s = TranscribedData.load(TranscribedData.Format.YESNO, dir);
        assertEquals(31, s.train().size());
        assertEquals(29, s.validation().size());
        assertTrue(s.validation().stream().allMatch(u -> u.id().startsWith("1_")));
        Utterance first = s.train().get(0);
        assertEquals("0_0_0_0_1_1_1_1", first.id());
        assertEquals("no no no no yes yes yes yes", first.transcript());
        assertEquals(60, TranscribedData.part(s, "all").size());
    }

    @Test
    void fsddSpellsDigitsAndHoldsOutEveryTenthRepetition() throws IOException {
        Path dir = SharedData.require("fsdd");
        assertEquals(TranscribedData.Format.FSDD, TranscribedData.format(null, dir));
        Split<Utterance> s = TranscribedData.load(TranscribedData.Format.FSDD, dir);
        // repetitions 5..49; 10, 20, 30, 40 held out: 4 of 45 per speaker and digit
        assertEquals(6 * 10 * 4, s.validation().size());
        assertEquals(2700 - 240, s.train().size());
        assertEquals(Set.of("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
                s.validation().stream().map(Utterance::transcript).collect(Collectors.toSet()));
        Utterance u = s.validation().stream().filter(x -> x.id().equals("7_theo_20")).findFirst().orElseThrow();
        assertEquals("seven", u.transcript());
    }

    @Test
    void an4HoldsOutWholeSpeakers() throws IOException {
        Path dir = SharedData.require("an4");
        assertEquals(TranscribedData.Format.AN4, TranscribedData.format(null, dir));
        Split<Utterance> s = TranscribedData.load(TranscribedData.Format.AN4, dir);
        assertEquals(948, s.train().size() + s.validation().size());
        Set<String> held = s.validation().stream().map(Utterance::speaker).collect(Collectors.toSet());
        assertEquals(7, held.size(), held.toString());
        assertTrue(s.train().stream().noneMatch(u -> held.contains(u.speaker())), "no held-out speaker in training");
        for (Utterance u : TranscribedData.part(s, "all")) CharVocab.encode(u.transcript());
        assertEquals("sphinx-mfc", TranscribedData.features(TranscribedData.Format.AN4).source());
    }

    @Test
    void badNamesAndFoldersAreErrors(@TempDir Path tmp) {
        var e = assertThrows(IllegalArgumentException.class, () -> TranscribedData.format("timit", tmp));
        assertEquals("unknown format 'timit' (yesno, fsdd, an4)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TranscribedData.format(null, tmp));
        assertTrue(e.getMessage().startsWith("cannot tell the format of"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TranscribedData.part(new Split<Utterance>(List.of(), List.of()), "test"));
        assertEquals("unknown split 'test' (train, validation, all)", e.getMessage());
    }
}
