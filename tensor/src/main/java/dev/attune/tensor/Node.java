package dev.attune.tensor;

/**
 * One recorded op in the autograd graph: the inputs that need gradients, and the rule that
 * maps the gradient of the op's output to gradients of those inputs. The rule holds whatever
 * it saved from the forward pass; {@link #release()} drops it after a backward, which is how
 * the graph is freed.
 *
 * <p>An op with several outputs (the LSTM cell's h and c) has one node shared by its output
 * tensors, each knowing its {@code outputIndex}; the engine runs the node once, after every
 * consumer of every output, with one gradient per output (null for an output no gradient reached).
 */
final class Node {
    /** Maps the output gradient to one gradient per input (null where an input needs none). */
    @FunctionalInterface
    interface BackwardRule {
        Tensor[] apply(Tensor gradOutput);
    }

    /** Maps the gradients of the outputs (null where none arrived) to one gradient per input. */
    @FunctionalInterface
    interface MultiBackwardRule {
        Tensor[] apply(Tensor[] gradOutputs);
    }

    final String opName;
    final Tensor[] inputs;
    /** How many output tensors share this node. */
    final int outputs;
    private MultiBackwardRule rule;

    Node(String opName, Tensor[] inputs, BackwardRule rule) {
        this(opName, inputs, 1, g -> rule.apply(g[0]));
    }

    Node(String opName, Tensor[] inputs, int outputs, MultiBackwardRule rule) {
        this.opName = opName;
        this.inputs = inputs;
        this.outputs = outputs;
        this.rule = rule;
    }

    Tensor[] backward(Tensor... gradOutputs) {
        if (rule == null) {
            throw new IllegalStateException("backward: the graph through " + opName + " was already freed by an"
                    + " earlier backward(); pass retainGraph=true to the first backward to run backward twice");
        }
        return rule.apply(gradOutputs);
    }

    void release() {
        rule = null;
    }
}
