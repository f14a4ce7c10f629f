package dev.attune.tensor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The reverse-mode engine. From a root tensor it orders the recorded graph topologically,
 * runs each node's backward rule once with the sum of the gradients that reached its output
 * (each of its outputs, for an op with several), and accumulates into {@code .grad} of leaf
 * tensors that require grad. Backward rules are
 * themselves written with tensor ops (under no-grad), so they run on whichever device the
 * tensors live on.
 */
final class Autograd {
    private Autograd() {}

    static void backward(Tensor root, Tensor rootGrad, boolean retainGraph) {
        if (!root.requiresGrad()) {
            throw new IllegalStateException("backward: the tensor does not require grad and has no grad_fn"
                    + " (shape " + Shapes.str(root.shape()) + "); call requiresGrad(true) on a leaf input first");
        }
        if (rootGrad == null) {
            if (root.numel() != 1) {
                throw new IllegalArgumentException("backward: an implicit gradient needs a scalar output, got shape "
                        + Shapes.str(root.shape()) + "; pass the upstream gradient explicitly");
            }
            rootGrad = Tensor.onesLike(root);
        } else {
            Shapes.checkSame("backward", "gradient shape", root.shape(), rootGrad.shape());
            Shapes.checkDevice("backward", root, rootGrad);
        }
        List<Tensor> order = topologicalOrder(root);
        // A node shared by several outputs runs at the last of them in the order: every consumer
        // of every output comes before that one, so all their gradients have arrived.
        Map<Node, Integer> lastOutput = new IdentityHashMap<>();
        for (int p = 0; p < order.size(); p++) {
            Node node = order.get(p).gradFn;
            if (node != null && node.outputs > 1) lastOutput.put(node, p);
        }
        Map<Node, Tensor[]> pending = new IdentityHashMap<>();
        Map<Tensor, Tensor> grads = new IdentityHashMap<>();
        grads.put(root, rootGrad);
        try (GradMode g = GradMode.noGrad()) {
            for (int p = 0; p < order.size(); p++) {
                Tensor t = order.get(p);
                Tensor gOut = grads.remove(t);
                Node node = t.gradFn;
                Tensor[] gIn;
                if (node != null && node.outputs > 1) {
                    Tensor[] gOuts = pending.computeIfAbsent(node, n -> new Tensor[n.outputs]);
                    gOuts[t.outputIndex] = gOut;
                    if (lastOutput.get(node) != p) continue;
                    pending.remove(node);
                    if (java.util.Arrays.stream(gOuts).allMatch(java.util.Objects::isNull)) continue;
                    gIn = node.backward(gOuts);
                } else {
                    if (gOut == null) continue;
                    if (node == null) {
                        t.accumulateGrad(gOut);
                        continue;
                    }
                    gIn = node.backward(gOut);
                }
                if (!retainGraph) node.release();
                for (int k = 0; k < node.inputs.length; k++) {
                    Tensor in = node.inputs[k];
                    if (in == null || gIn[k] == null) continue;
                    Tensor gk = gIn[k];
                    if (!java.util.Arrays.equals(gk.shape(), in.shape())) {
                        throw new IllegalStateException("backward of " + node.opName + " produced a gradient of shape "
                                + Shapes.str(gk.shape()) + " for an input of shape " + Shapes.str(in.shape()));
                    }
                    grads.merge(in, gk, Tensor::add);
                }
            }
        }
    }

    /** Tensors reachable from the root, each after every tensor that consumes it (iterative DFS). */
    private static List<Tensor> topologicalOrder(Tensor root) {
        List<Tensor> postOrder = new ArrayList<>();
        Map<Tensor, Boolean> seen = new IdentityHashMap<>();
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        stack.push(new Object[] {root, 0});
        seen.put(root, Boolean.TRUE);
        while (!stack.isEmpty()) {
            Object[] frame = stack.peek();
            Tensor t = (Tensor) frame[0];
            int next = (Integer) frame[1];
            Tensor[] inputs = t.gradFn == null ? new Tensor[0] : t.gradFn.inputs;
            if (next < inputs.length) {
                frame[1] = next + 1;
                Tensor in = inputs[next];
                if (in != null && seen.put(in, Boolean.TRUE) == null) stack.push(new Object[] {in, 0});
            } else {
                stack.pop();
                postOrder.add(t);
            }
        }
        java.util.Collections.reverse(postOrder);
        return postOrder;
    }
}
