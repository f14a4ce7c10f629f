package dev.attune.kernels;

/** Reductions over the middle axis of an (outer, n, inner) layout. ARGMAX/ARGMIN write INT32. */
public enum ReduceOp {
    SUM, MAX, MIN, ARGMAX, ARGMIN
}
