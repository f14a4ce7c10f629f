package dev.attune.nn.optim;

/**
 * A learning-rate schedule as a pure function of the step: the learning rate of update number
 * {@code step} (counting from 0) is {@code baseLr * factor(step)}. This is the convention of
 * torch.optim.lr_scheduler.LambdaLR stepped once per batch after {@code optimizer.step()}, so
 * the very first update uses {@code factor(0)}. Being a function of the step, a schedule needs
 * no state of its own to resume from a checkpoint.
 */
@FunctionalInterface
public interface LrSchedule {
    /** The multiplier of the base learning rate at {@code step} (>= 0). */
    double factor(int step);

    /** Sets {@code optimizer}'s learning rate for update number {@code step}. */
    default void apply(Optimizer optimizer, double baseLr, int step) {
        optimizer.setLr(baseLr * factor(step));
    }

    /** A constant factor of 1. */
    static LrSchedule constant() {
        return step -> {
            checkStep(step);
            return 1.0;
        };
    }

    /** Linear warm-up from 0 over {@code warmup} steps, then constant 1 (HF get_constant_schedule_with_warmup). */
    static LrSchedule linearWarmup(int warmup) {
        if (warmup < 0) throw new IllegalArgumentException("linearWarmup: warmup must be >= 0, got " + warmup);
        return step -> {
            checkStep(step);
            return step < warmup ? (double) step / Math.max(1, warmup) : 1.0;
        };
    }

    /** {@link #cosineWithWarmup(int, int, double)} with half a cosine period: from 1 down to 0 at {@code total}. */
    static LrSchedule cosineWithWarmup(int warmup, int total) {
        return cosineWithWarmup(warmup, total, 0.5);
    }

    /**
     * HW4's schedule (HF get_cosine_schedule_with_warmup): {@code step / warmup} while
     * {@code step < warmup}, then with {@code progress = (step - warmup) / (total - warmup)},
     * {@code max(0, 0.5 (1 + cos(π · cycles · 2 · progress)))}. HW4 uses warmup 1000, total 70000.
     */
    static LrSchedule cosineWithWarmup(int warmup, int total, double cycles) {
        if (warmup < 0 || total < warmup) {
            throw new IllegalArgumentException("cosineWithWarmup: need 0 <= warmup <= total, got warmup=" + warmup + ", total=" + total);
        }
        return step -> {
            checkStep(step);
            if (step < warmup) return (double) step / Math.max(1, warmup);
            double progress = (double) (step - warmup) / Math.max(1, total - warmup);
            return Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * cycles * 2.0 * progress)));
        };
    }

    /**
     * The Transformer schedule (Vaswani et al. 2017, "Noam"): {@code dModel^-0.5 · min(s^-0.5, s · warmup^-1.5)}
     * with {@code s = max(step, 1)}; it rises linearly for {@code warmup} steps, then decays as
     * {@code 1/sqrt(step)}. The base learning rate is the paper's extra factor (often 1 or 2).
     */
    static LrSchedule noam(int dModel, int warmup) {
        if (dModel <= 0 || warmup <= 0) throw new IllegalArgumentException("noam: dModel and warmup must be > 0, got " + dModel + ", " + warmup);
        return step -> {
            checkStep(step);
            double s = Math.max(step, 1);
            return Math.pow(dModel, -0.5) * Math.min(Math.pow(s, -0.5), s * Math.pow(warmup, -1.5));
        };
    }

    private static void checkStep(int step) {
        if (step < 0) throw new IllegalArgumentException("LrSchedule: step must be >= 0, got " + step);
    }
}
