package dev.attune.nn.las;

import dev.attune.nn.Linear;
import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;

/**
 * The attention of LAS as las-pytorch builds it: decoder state and listener states go through
 * one-layer MLPs, {@code phi(s) = relu(W_phi s + b_phi)} (child {@code phi}, S to A) and
 * {@code psi(h_u) = relu(W_psi h_u + b_psi)} (child {@code psi}, D to A), and the energy is their
 * dot product {@code e_u = <phi(s), psi(h_u)>}. Shapes: s (N, S), h (N, U, D), e (N, U).
 */
public final class DotAttention extends Attention {
    private final int attentionDim;
    private final Linear phi, psi;

    public DotAttention(int queryDim, int valueDim, int attentionDim, Generator g) {
        super(queryDim, valueDim);
        this.attentionDim = attentionDim;
        this.phi = child("phi", new Linear(queryDim, attentionDim, g));
        this.psi = child("psi", new Linear(valueDim, attentionDim, g));
    }

    @Override
    protected Tensor keys(Tensor values) {
        return psi.forward(values).relu();
    }

    @Override
    protected Tensor energies(Tensor query, Memory memory, Tensor previousWeights) {
        Tensor q = phi.forward(query).relu();                      // (N, A)
        return memory.keys().matmul(q.unsqueeze(2)).squeeze(2);   // (N, U, A) @ (N, A, 1)
    }

    @Override
    protected String extraRepr() {
        return "query_dim=" + queryDim + ", value_dim=" + valueDim + ", attention_dim=" + attentionDim;
    }
}
