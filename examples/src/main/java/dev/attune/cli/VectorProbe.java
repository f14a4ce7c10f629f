package dev.attune.cli;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Reads the Vector API's preferred species. Kept in its own class so that a JVM started without
 * {@code --add-modules jdk.incubator.vector} fails only here, with a {@link LinkageError} the
 * caller can report.
 */
final class VectorProbe {
    private VectorProbe() {}

    /** Floats per vector of {@code FloatVector.SPECIES_PREFERRED}. */
    static int preferredFloats() {
        return FloatVector.SPECIES_PREFERRED.length();
    }

    /** Bits per vector of {@code FloatVector.SPECIES_PREFERRED}. */
    static int preferredBits() {
        VectorSpecies<Float> s = FloatVector.SPECIES_PREFERRED;
        return s.vectorBitSize();
    }
}
