package dev.attune.nn;

import static org.junit.jupiter.api.Assertions.*;

import dev.attune.tensor.Generator;
import dev.attune.tensor.Tensor;
import dev.attune.tensor.io.Safetensors;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The module system: names, state dicts, loading, saving, modes, printing and tracing. */
class ModuleTest {
    // state_dict().keys() and named_parameters() of the PyTorch twin in TinyNet's Javadoc, printed by torch 1.13
    private static final List<String> TORCH_STATE_KEYS = List.of("bias", "block.scale", "block.steps", "block.proj.weight",
            "block.proj.bias", "block.norm.weight", "block.norm.bias", "block.head.0.weight", "out.weight", "out.bias");
    private static final List<String> TORCH_PARAMETER_NAMES = List.of("bias", "block.scale", "block.proj.weight", "block.proj.bias",
            "block.norm.weight", "block.norm.bias", "block.head.0.weight", "out.weight", "out.bias");

    private static Tensor input() {
        return new Generator(7).randn(2, 4);
    }

    @Test
    void namesAndOrderMatchTorch() {
        TinyNet.Net net = new TinyNet.Net(1);
        assertEquals(TORCH_STATE_KEYS, new ArrayList<>(net.stateDict().keySet()));
        assertEquals(TORCH_PARAMETER_NAMES, new ArrayList<>(net.namedParameters().keySet()));
        assertEquals(List.of("block.steps"), new ArrayList<>(net.namedBuffers().keySet()));
        assertEquals(List.of("block", "block.proj", "block.norm", "block.head", "block.head.0", "block.head.1", "out"),
                new ArrayList<>(net.namedModules().keySet()));
        assertArrayEquals(new int[] {3, 4}, net.stateDict().get("block.proj.weight").shape());
        assertArrayEquals(new int[] {2, 3}, net.stateDict().get("block.head.0.weight").shape());
        assertEquals(39, net.parameterCount());   // sum(p.numel() for p in net.parameters()) in PyTorch
        assertEquals(TORCH_PARAMETER_NAMES.size(), net.parameters().size());
        assertSame(net.block.proj.weight(), net.namedParameters().get("block.proj.weight"));
    }

    @Test
    void registrationRejectsDuplicatesAndDots() {
        Module m = new Module() {};
        m.parameter("w", Tensor.zeros(1));
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class, () -> m.buffer("w", Tensor.zeros(1)));
        assertTrue(dup.getMessage().contains("'w' is already registered"), dup.getMessage());
        IllegalArgumentException dot = assertThrows(IllegalArgumentException.class, () -> m.child("a.b", new TinyNet.Net(1)));
        assertTrue(dot.getMessage().contains("'a.b'"), dot.getMessage());
    }

    @Test
    void toStringMatchesTorch() {
        Sequential s = hw4StyleSequential(new Generator(1));
        // str(nn.Sequential(nn.Linear(80, 256), nn.ReLU(), nn.Dropout(0.1), nn.Linear(256, 80))), printed by torch 1.13
        assertEquals("Sequential(\n  (0): Linear(in_features=80, out_features=256, bias=True)\n  (1): ReLU()\n"
                + "  (2): Dropout(p=0.1, inplace=False)\n  (3): Linear(in_features=256, out_features=80, bias=True)\n)", s.toString());
        // str(Net()) for the PyTorch twin of TinyNet, printed by torch 1.13
        assertEquals("""
                Net(
                  (block): Block(
                    (proj): Linear(in_features=4, out_features=3, bias=True)
                    (norm): LayerNorm((3,), eps=1e-05, elementwise_affine=True)
                    (head): Sequential(
                      (0): Linear(in_features=3, out_features=2, bias=False)
                      (1): ReLU()
                    )
                  )
                  (out): Linear(in_features=2, out_features=2, bias=True)
                )""", new TinyNet.Net(1).toString());
    }

    static Sequential hw4StyleSequential(Generator g) {
        Sequential s = new Sequential();
        Linear l1 = new Linear(80, 256, g), l2 = new Linear(256, 80, g);
        Activation relu = Activation.relu();
        Dropout drop = new Dropout(0.1f, g);
        s.add(l1, l1::forward);
        s.add(relu, relu::forward);
        s.add(drop, drop::forward);
        s.add(l2, l2::forward);
        return s;
    }

    @Test
    void strictLoadNamesEveryProblemInOneExceptionAndCopiesNothing() {
        TinyNet.Net net = new TinyNet.Net(1);
        Map<String, float[]> before = values(net);
        Map<String, Tensor> state = new LinkedHashMap<>(new TinyNet.Net(2).stateDict());
        state.remove("out.bias");
        state.put("extra.weight", Tensor.zeros(2));
        state.put("block.scale", Tensor.zeros(5));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> net.loadStateDict(state, true));
        String msg = e.getMessage();
        assertTrue(msg.startsWith("loadStateDict(Net)"), msg);
        assertTrue(msg.contains("missing keys [out.bias]"), msg);
        assertTrue(msg.contains("unexpected keys [extra.weight]"), msg);
        assertTrue(msg.contains("shape mismatches [block.scale: expected [4], got [5]]"), msg);
        assertValues(before, net);
    }

    @Test
    void nonStrictLoadCopiesMatchingKeysOnly() {
        TinyNet.Net net = new TinyNet.Net(1), other = new TinyNet.Net(2);
        Map<String, float[]> before = values(net);
        net.loadStateDict(Map.of("out.weight", other.out.weight().value(), "extra", Tensor.zeros(3)), false);
        assertArrayEquals(other.out.weight().value().toFloatArray(), net.out.weight().value().toFloatArray());
        before.put("out.weight", other.out.weight().value().toFloatArray());
        assertValues(before, net);
        assertTrue(net.out.weight().value().requiresGrad(), "loading keeps the parameter a leaf that requires grad");
        // a shape mismatch is an error even when not strict
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> net.loadStateDict(Map.of("out.bias", Tensor.zeros(3)), false));
        assertTrue(e.getMessage().contains("out.bias: expected [2], got [3]"), e.getMessage());
    }

    @Test
    void saveAndLoadRoundTripThroughSafetensors(@TempDir Path dir) throws Exception {
        TinyNet.Net net = new TinyNet.Net(1);
        try (var _ = dev.attune.tensor.GradMode.noGrad()) {
            net.block.steps.fill(7f);   // buffers travel too
        }
        Path file = dir.resolve("net.safetensors");
        Map<String, String> meta = Map.of("model", "TinyNet", "d_model", "4");
        net.save(file, meta);
        assertEquals(TORCH_STATE_KEYS.size(), Safetensors.read(file).tensors().size());

        TinyNet.Net copy = new TinyNet.Net(99);
        assertNotEquals(values(net).get("out.weight")[0], values(copy).get("out.weight")[0]);
        assertEquals(meta, copy.load(file));
        assertValues(values(net), copy);
        assertEquals(7f, copy.block.steps.item());
    }

    @Test
    void trainAndEvalReachEveryDescendant() {
        TinyNet.Net net = new TinyNet.Net(1);
        assertTrue(net.isTraining());
        assertSame(net, net.eval());
        assertFalse(net.isTraining());
        net.namedModules().forEach((name, m) -> assertFalse(m.isTraining(), name));
        net.train();
        net.namedModules().forEach((name, m) -> assertTrue(m.isTraining(), name));

        // dropout follows the mode: identity in eval, random in training
        Generator g = new Generator(3);
        Dropout drop = new Dropout(0.5f, g);
        Tensor x = Tensor.ones(64);
        drop.eval();
        assertArrayEquals(x.toFloatArray(), drop.forward(x).toFloatArray());
        drop.train();
        float[] y = drop.forward(x).toFloatArray();
        int zeros = 0;
        for (float v : y) {
            assertTrue(v == 0f || v == 2f, "kept values are scaled by 1/(1-p)");
            if (v == 0f) zeros++;
        }
        assertTrue(zeros > 0 && zeros < 64, "some but not all dropped: " + zeros);
    }

    @Test
    void zeroGradClearsEveryGradient() {
        TinyNet.Net net = new TinyNet.Net(1);
        net.forward(input(), null).sum().backward();
        net.namedParameters().forEach((name, p) -> assertNotNull(p.grad(), name));
        net.zeroGrad();
        net.namedParameters().forEach((name, p) -> assertNull(p.grad(), name));
    }

    @Test
    void tracerRecordsCallsInOrderWithNames() {
        TinyNet.Net net = new TinyNet.Net(1);
        Linear stranger = new Linear(4, 4, new Generator(5));
        Tensor x = input();
        Tensor y;
        List<Tracer.Call> calls;
        try (Tracer t = Tracer.start(net)) {
            y = net.forward(x, null);
            stranger.forward(x);   // not part of the traced tree: not recorded
            calls = t.calls();
        }
        assertEquals(List.of("block.proj", "block.norm", "block.head.0", "block.head.1", "block.head", "block", "out", ""),
                calls.stream().map(Tracer.Call::name).toList());
        assertSame(net.block.proj, calls.get(0).module());
        assertArrayEquals(new int[] {2, 3}, calls.get(0).output().shape());
        Tracer.Call root = calls.get(calls.size() - 1);
        assertSame(y, root.output());
        assertSame(x, root.inputs().get(0));
        assertNull(root.inputs().get(1), "an absent optional input is recorded as null");
    }

    @Test
    void tracerStopsAtCloseAndNests() {
        TinyNet.Net net = new TinyNet.Net(1);
        Tracer outer = Tracer.start(net);
        try (Tracer inner = Tracer.start(net.block)) {
            net.forward(input(), null);
            assertEquals(List.of("proj", "norm", "head.0", "head.1", "head", ""), inner.calls().stream().map(Tracer.Call::name).toList());
        }
        net.block.forward(input());
        assertEquals(List.of("block.proj", "block.norm", "block.head.0", "block.head.1", "block.head", "block"),
                outer.calls().stream().map(Tracer.Call::name).toList(), "the outer tracer resumes after the inner one closes");
        outer.close();
        net.forward(input(), null);
        assertEquals(6, outer.calls().size());
    }

    private static Map<String, float[]> values(Module m) {
        Map<String, float[]> out = new LinkedHashMap<>();
        m.stateDict().forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }

    private static void assertValues(Map<String, float[]> expected, Module m) {
        Map<String, float[]> got = values(m);
        assertEquals(expected.keySet(), got.keySet());
        expected.forEach((k, v) -> assertArrayEquals(v, got.get(k), k));
    }
}
