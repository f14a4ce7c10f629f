package dev.attune.tensor;

/**
 * One recorded op in the autograd graph: the inputs that need gradients, and the rule that
 * maps the gradient of the op's output to gradients of those inputs. The rule holds whatever
 * it saved from the forward pass; {@link #release()} drops it after a backward, which is how
 * the graph is freed.
 */
final class Node {
    /** Maps the output gradient to one gradient per input (null where an input needs none). */
    @FunctionalInterface
    interface BackwardRule {
        Tensor[] apply(Tensor gradOutput);
    }

    final String opName;
    final Tensor[] inputs;
    private BackwardRule rule;

    Node(String opName, Tensor[] inputs, BackwardRule rule) {
        this.opName = opName;
        this.inputs = inputs;
        this.rule = rule;
    }

    Tensor[] backward(Tensor gradOutput) {
        if (rule == null) {
            throw new IllegalStateException("backward: the graph through " + opName + " was already freed by an"
                    + " earlier backward(); pass retainGraph=true to the first backward to run backward twice");
        }
        return rule.apply(gradOutput);
    }

    void release() {
        rule = null;
    }
}
