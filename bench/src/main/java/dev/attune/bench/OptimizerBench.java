package dev.attune.bench;

import dev.attune.nn.Models;
import dev.attune.nn.Module;
import dev.attune.nn.Parameter;
import dev.attune.nn.optim.AdamW;
import dev.attune.tensor.Generator;
import dev.attune.tensor.GradMode;
import dev.attune.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One AdamW step (lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight decay 0.01) over every parameter of
 * a model, with fixed random gradients: {@code adamW} is {@link AdamW#step()}, one fused in-place
 * pass per parameter ({@code F.adamStep}); {@code adamWComposition} is the baseline, the ten tensor ops
 * per parameter that AdamW ran before (each allocating its result, the state buffers replaced every
 * step). Both give the same bits. Memory-bound: the work is the parameter, gradient and both moment
 * buffers read once and the parameter and buffers written once, 7 floats per parameter.
 */
public class OptimizerBench {

    @State(Scope.Benchmark)
    public static class Params {
        @Param({"hw4-strong"})
        public String model;
        List<Parameter> params;
        AdamW opt;
        Tensor[] m, v;
        int[] steps;

        @Setup
        public void setup() {
            Module net = Models.build(model, new Generator(0));
            params = net.parameters();
            Generator g = new Generator(1);
            for (Parameter p : params) p.value().setGrad(g.randn(p.shape()).mul(1e-2f));
            opt = new AdamW(params, 1e-3);
            m = new Tensor[params.size()];
            v = new Tensor[params.size()];
            steps = new int[params.size()];
            for (int i = 0; i < params.size(); i++) {
                m[i] = Tensor.zerosLike(params.get(i).value());
                v[i] = Tensor.zerosLike(params.get(i).value());
            }
        }
    }

    @Benchmark
    public List<Parameter> adamW(Params s) {
        s.opt.step();
        return s.params;
    }

    /** AdamW's update before the fused op, tensor op by tensor op (decoupled weight decay, no AMSGrad). */
    @Benchmark
    public List<Parameter> adamWComposition(Params s) {
        double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0.01;
        try (GradMode _ = GradMode.noGrad()) {
            for (int i = 0; i < s.params.size(); i++) {
                Parameter p = s.params.get(i);
                Tensor grad = p.grad();
                int t = ++s.steps[i];
                Tensor w = p.value().mul((float) (1 - lr * weightDecay));
                s.m[i] = s.m[i].mul((float) beta1).add(grad.mul((float) (1 - beta1)));
                s.v[i] = s.v[i].mul((float) beta2).add(grad.mul(grad).mul((float) (1 - beta2)));
                double stepSize = lr / (1 - Math.pow(beta1, t));
                double correction2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
                Tensor denom = s.v[i].sqrt().div(Tensor.full((float) correction2Sqrt, w.device())).add((float) eps);
                p.set(w.add(s.m[i].div(denom).mul((float) -stepSize)));
            }
        }
        return s.params;
    }

    public static Work work(String method, Map<String, String> p) {
        String model = p.get("model");
        int n = Models.build(model, new Generator(0)).parameters().stream().mapToInt(Parameter::numel).sum();
        String impl = switch (method) {
            case "adamW" -> Work.ATTUNE;
            case "adamWComposition" -> "tensor-op composition";
            default -> throw new IllegalArgumentException("OptimizerBench: no work declared for method " + method);
        };
        return Work.floats("AdamW step", model + " (" + n + " params)", impl, 7.0 * n);
    }
}
