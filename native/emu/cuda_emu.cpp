// The runtime of the CUDA emulator (see cuda_emu.h for the execution model): device memory with
// guard bands, the kernel registry, launches that run each block's threads as fibers, and the
// tensor-core instructions. Its C entry points are called by dev.attune.kernels.cuda.EmulatedCudaDevice.
#include "cuda_emu.h"

#include <sys/mman.h>
#if !defined(__x86_64__)
#include <ucontext.h>
#endif

#include <cstdio>
#include <map>
#include <mutex>
#include <string>
#include <vector>

// The dynamic shared memory of the running block (kernels declare it `extern __shared__ float smem[]`).
static constexpr int kMaxDynamicShared = 228 * 1024;  // Hopper's opt-in maximum per block
alignas(16) float smem[kMaxDynamicShared / 4];

namespace attune_emu {
namespace {
enum class State { Ready, WaitBlock, WaitWarp, Done };

constexpr std::size_t kStackBytes = 256 * 1024;
constexpr std::size_t kPage = 4096;
constexpr int kMaxThreads = 1024;

// Device blocks carry a guard band on each side, filled with this NaN pattern and checked after
// every launch: a kernel that writes outside its operands is reported, one that reads outside gets NaNs.
constexpr std::size_t kGuard = 256;
constexpr uint32_t kGuardWord = 0x7fbadbadu;
// Fresh device memory and each block's dynamic shared memory start as this NaN, as a GPU gives garbage.
constexpr uint32_t kUnsetWord = 0x7fc0dead;
}  // namespace

// ---- fibers: a context switch that saves what the C ABI says a call preserves ----
#if defined(__x86_64__)
// x86-64 (System V): the callee-saved registers, MXCSR and the x87 control word live on the fiber's own
// stack; a context is its saved stack pointer. No system call, unlike swapcontext's signal-mask save.
struct FiberContext {
    void* sp;
};
extern "C" void attune_emu_switch(void** save, void* resume);
asm(R"(
    .text
    .p2align 4
    .type attune_emu_switch, @function
attune_emu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size attune_emu_switch, .-attune_emu_switch
)");
#else
struct FiberContext {
    ucontext_t uc;
};
#endif

struct ThreadState {
    FiberContext context;
    uint3 index;
    State state;
    // This lane's values in its warp's exchanges, double-buffered by the exchange's parity: a lane that
    // has read exchange e and writes exchange e + 1 cannot clobber a value of e that another lane has
    // yet to read, so one wait per exchange suffices.
    uint64_t slots[2][6];
    unsigned exchanges;  // how many warp exchanges this thread has made in the block
};

ThreadState* current;
dim3 blockIdxNow, blockDimNow, gridDimNow;

namespace {
FiberContext scheduler;
std::vector<ThreadState> threads(kMaxThreads);
std::vector<char*> stacks;
const ThreadBody* body;
std::string failure;  // the first error of the running launch
std::mutex launchLock;

struct DeviceBlock {
    char* base;  // what aligned_alloc gave, the guard band first
    std::size_t bytes;
};
std::map<uintptr_t, DeviceBlock> deviceBlocks;  // by the address the kernels see

std::map<std::string, Binder>& registry() {
    static std::map<std::string, Binder> kernels;
    return kernels;
}

char* stackFor(int t) {
    while ((int) stacks.size() <= t) {
        // One guard page below each stack: an overflow faults instead of overwriting its neighbour.
        void* p = mmap(nullptr, kStackBytes + kPage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) return nullptr;
        mprotect(p, kPage, PROT_NONE);
        stacks.push_back(static_cast<char*>(p) + kPage);
    }
    return stacks[t];
}

void switchTo(FiberContext& save, FiberContext& resume) {
#if defined(__x86_64__)
    attune_emu_switch(&save.sp, resume.sp);
#else
    swapcontext(&save.uc, &resume.uc);
#endif
}

void yieldToScheduler() {
    switchTo(current->context, scheduler);
}

// The first frame of every fiber: the thread's run of the kernel, then back to the scheduler for good.
void fiberMain() {
    (*body)();
    current->state = State::Done;
    yieldToScheduler();
    __builtin_unreachable();
}

// Prepares `t` to start in fiberMain on `stack` at its first switch.
void startFiber(FiberContext& t, char* stack) {
#if defined(__x86_64__)
    // The frame attune_emu_switch pops: MXCSR and x87 control word (the scheduler's), six registers,
    // then fiberMain as the return address, placed so that fiberMain starts with rsp = 8 (mod 16) as
    // after a call.
    auto* top = reinterpret_cast<uint64_t*>(stack + kStackBytes);
    uint64_t* sp = top - 2;  // 16-byte aligned: the return address slot, then one spare word
    *sp = reinterpret_cast<uint64_t>(&fiberMain);
    for (int r = 0; r < 6; r++) *--sp = 0;
    uint32_t controls[2];
    asm volatile("stmxcsr %0" : "=m"(controls[0]));
    asm volatile("fnstcw %0" : "=m"(controls[1]));
    *--sp = (uint64_t) controls[0] | ((uint64_t) (controls[1] & 0xffff) << 32);
    t.sp = sp;
#else
    getcontext(&t.uc);
    t.uc.uc_stack.ss_sp = stack;
    t.uc.uc_stack.ss_size = kStackBytes;
    t.uc.uc_link = nullptr;
    makecontext(&t.uc, fiberMain, 0);
#endif
}

void fillWords(void* p, std::size_t bytes, uint32_t word) {
    auto* w = static_cast<uint32_t*>(p);
    for (std::size_t i = 0; i < bytes / 4; i++) w[i] = word;
}

std::string blockName() {
    char b[96];
    std::snprintf(b, sizeof b, "block (%u, %u, %u)", blockIdxNow.x, blockIdxNow.y, blockIdxNow.z);
    return b;
}

// Runs one block to completion; false (with `failure` set) on an error. Between two waits the threads
// run in index order, or in reverse order when `reverse`: a kernel that reads shared memory another
// thread writes without a barrier in between then sees the write in one order and not the other, so
// the race gives wrong values in some blocks instead of passing by luck.
bool runBlock(int nThreads, bool reverse) {
    for (int t = 0; t < nThreads; t++) {
        ThreadState& th = threads[t];
        th.index = {(unsigned) t, 0u, 0u};
        th.state = State::Ready;
        th.exchanges = 0;
        char* stack = stackFor(t);
        if (stack == nullptr) {
            failure = "cannot map a fiber stack for thread " + std::to_string(t);
            return false;
        }
        startFiber(th.context, stack);
    }
    while (true) {
        bool ran = false;
        for (int k = 0; k < nThreads; k++) {
            int t = reverse ? nThreads - 1 - k : k;
            if (threads[t].state != State::Ready) continue;
            current = &threads[t];
            switchTo(scheduler, threads[t].context);
            current = nullptr;
            ran = true;
            if (!failure.empty()) return false;
        }
        int live = 0, atBarrier = 0, atShuffle = 0;
        for (int t = 0; t < nThreads; t++) {
            State s = threads[t].state;
            if (s != State::Done) live++;
            if (s == State::WaitBlock) atBarrier++;
            if (s == State::WaitWarp) atShuffle++;
        }
        if (live == 0) return true;
        bool released = false;
        // Every thread of the block must reach a barrier: the CUDA C++ guide allows __syncthreads in
        // conditional code only where the condition is the same for the whole block, and a thread that
        // returned never arrives (the hang below reports it).
        if (atBarrier == nThreads) {
            for (int t = 0; t < nThreads; t++) {
                if (threads[t].state == State::WaitBlock) threads[t].state = State::Ready;
            }
            released = true;
        } else {
            for (int w = 0; w * 32 < nThreads; w++) {
                int waiting = 0;
                for (int t = w * 32; t < w * 32 + 32 && t < nThreads; t++) waiting += threads[t].state == State::WaitWarp;
                if (waiting == 32) {
                    for (int t = w * 32; t < w * 32 + 32; t++) threads[t].state = State::Ready;
                    released = true;
                }
            }
        }
        if (!ran && !released) {
            failure = blockName() + " hangs: " + std::to_string(atBarrier) + " thread(s) wait at __syncthreads, " +
                      std::to_string(atShuffle) + " at a warp shuffle, " + std::to_string(nThreads - live) +
                      " returned (a barrier or shuffle that not every thread of its block or warp reaches)";
            return false;
        }
    }
}

std::string checkGuards() {
    for (auto& [address, b] : deviceBlocks) {
        auto* before = reinterpret_cast<uint32_t*>(b.base);
        auto* after = reinterpret_cast<uint32_t*>(address + b.bytes);
        for (std::size_t i = 0; i < kGuard / 4; i++) {
            bool low = before[i] != kGuardWord, high = after[i] != kGuardWord;
            if (low || high) {
                char m[160];
                std::snprintf(m, sizeof m, "wrote %s the device block at 0x%llx of %zu bytes (word %zu of its guard band)",
                              low ? "before" : "past the end of", (unsigned long long) address, b.bytes, i);
                fillWords(before, kGuard, kGuardWord);
                fillWords(after, kGuard, kGuardWord);
                return m;
            }
        }
    }
    return "";
}
}  // namespace

const uint3& threadIndex() {
    return current->index;
}

int laneId() {
    return (int) (current->index.x & 31);
}

void fail(const char* what) {
    if (failure.empty()) failure = blockName() + ", thread " + std::to_string(current->index.x) + ": " + what;
    current->state = State::Done;
    yieldToScheduler();
    __builtin_unreachable();  // the scheduler never resumes a failed fiber
}

void syncBlock() {
    current->state = State::WaitBlock;
    yieldToScheduler();
}

namespace {
// This lane's slots for its next warp exchange.
uint64_t* nextSlots() {
    return current->slots[current->exchanges & 1];
}

// Waits until all 32 lanes of the warp have written their slots for this exchange; returns the parity
// under which lane l's values are then at lane(l).slots[parity].
unsigned warpExchange(unsigned mask, const char* what) {
    if (mask != 0xffffffffu) fail((std::string(what) + " with a partial lane mask is not emulated").c_str());
    if (blockDimNow.x % 32 != 0) fail((std::string(what) + " in a block whose size is not a multiple of 32").c_str());
    unsigned parity = current->exchanges++ & 1;
    current->state = State::WaitWarp;
    yieldToScheduler();
    return parity;
}

const ThreadState& lane(int l) {
    return threads[(current->index.x & ~31u) + l];
}
}  // namespace

uint64_t exchange(unsigned mask, uint64_t mine, int src, const char* what) {
    nextSlots()[0] = mine;
    unsigned parity = warpExchange(mask, what);
    return lane(src).slots[parity][0];
}

// cvt.rna.tf32.f32: round to the nearest value with a 10-bit mantissa, ties away from zero; the
// result is a float32 bit pattern whose low 13 bits are zero (NaN and infinity pass through).
unsigned cvtRnaTf32(float x) {
    uint32_t b;
    std::memcpy(&b, &x, 4);
    if ((b & 0x7f800000u) == 0x7f800000u) return b;
    return (b + 0x1000u) & 0xffffe000u;
}

// mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32, D = A B + C for a 16x8x8 tile held by a warp.
// Fragment layout (PTX ISA, "Matrix Fragments for mma.m16n8k8", .tf32), with g = lane / 4, t = lane % 4:
//   A (16 x 8): a0 (g, t), a1 (g + 8, t), a2 (g, t + 4), a3 (g + 8, t + 4)
//   B (8 x 8):  b0 (t, g), b1 (t + 4, g)
//   C, D (16 x 8): c0 (g, 2t), c1 (g, 2t + 1), c2 (g + 8, 2t), c3 (g + 8, 2t + 1)
// The warp's fragments are gathered as a shuffle gathers them, so all 32 lanes must take part, as on a GPU.
void mmaTf32(float (&d)[4], const unsigned (&a)[4], const unsigned (&b)[2]) {
    uint64_t* mine = nextSlots();
    for (int r = 0; r < 4; r++) mine[r] = a[r];
    for (int r = 0; r < 2; r++) mine[4 + r] = b[r];
    unsigned parity = warpExchange(0xffffffffu, "mma.sync");
    float A[16][8], B[8][8];
    for (int l = 0; l < 32; l++) {
        int g = l >> 2, t = l & 3;
        const uint64_t* v = lane(l).slots[parity];
        A[g][t] = fromBits<float>(v[0]);
        A[g + 8][t] = fromBits<float>(v[1]);
        A[g][t + 4] = fromBits<float>(v[2]);
        A[g + 8][t + 4] = fromBits<float>(v[3]);
        B[t][g] = fromBits<float>(v[4]);
        B[t + 4][g] = fromBits<float>(v[5]);
    }
    int me = laneId(), g = me >> 2, t = me & 3;
    for (int z = 0; z < 4; z++) {
        int i = g + (z >= 2 ? 8 : 0), j = 2 * t + (z & 1);
        float sum = d[z];
        for (int q = 0; q < 8; q++) sum = fmaf(A[i][q], B[q][j], sum);
        d[z] = sum;
    }
}

void registerKernel(const char* name, Binder binder) {
    registry()[name] = binder;
}
}  // namespace attune_emu

using namespace attune_emu;

static int report(const std::string& message, char* err, int errLen) {
    std::snprintf(err, (std::size_t) errLen, "%s", message.c_str());
    return 1;
}

// Runs kernel `name` over grid (gx, gy, gz) of blocks of `threadsPerBlock` threads (1-D blocks, as
// every launch of CudaBackend is), with `sharedBytes` of dynamic shared memory; `params` as
// cuLaunchKernel's kernelParams. Returns 0, or 1 with the error in err.
extern "C" __attribute__((visibility("default"))) int attune_emu_launch(const char* name, int gx, int gy, int gz, int threadsPerBlock, int sharedBytes, void** params,
                                 char* err, int errLen) {
    std::lock_guard<std::mutex> hold(launchLock);
    auto k = registry().find(name);
    if (k == registry().end()) return report(std::string("no kernel named ") + name + " in the emulator", err, errLen);
    if (threadsPerBlock < 1 || threadsPerBlock > kMaxThreads) {
        return report("block of " + std::to_string(threadsPerBlock) + " threads (1 to 1024)", err, errLen);
    }
    if (sharedBytes < 0 || sharedBytes > kMaxDynamicShared) {
        return report(std::to_string(sharedBytes) + " bytes of dynamic shared memory (at most 233472)", err, errLen);
    }
    ThreadBody run = k->second(params);
    body = &run;
    failure.clear();
    gridDimNow = {(unsigned) gx, (unsigned) gy, (unsigned) gz};
    blockDimNow = {(unsigned) threadsPerBlock, 1u, 1u};
    bool ok = true;
    for (int z = 0; ok && z < gz; z++) {
        for (int y = 0; ok && y < gy; y++) {
            for (int x = 0; ok && x < gx; x++) {
                blockIdxNow = {(unsigned) x, (unsigned) y, (unsigned) z};
                fillWords(smem, (std::size_t) sharedBytes, kUnsetWord);
                ok = runBlock(threadsPerBlock, ((x + y + z) & 1) != 0);
            }
        }
    }
    body = nullptr;
    std::string guards = checkGuards();
    if (!ok) return report(failure, err, errLen);
    if (!guards.empty()) return report(guards, err, errLen);
    return 0;
}

// A device block of `bytes` (256-byte aligned, filled with NaN) between two guard bands; 0 when out of memory.
extern "C" __attribute__((visibility("default"))) long long attune_emu_alloc(long long bytes) {
    std::lock_guard<std::mutex> hold(launchLock);
    std::size_t body = ((std::size_t) bytes + 255) / 256 * 256;
    char* base = static_cast<char*>(std::aligned_alloc(256, kGuard + body + kGuard));
    if (base == nullptr) return 0;
    fillWords(base, kGuard, kGuardWord);
    fillWords(base + kGuard, body, kUnsetWord);
    uintptr_t address = reinterpret_cast<uintptr_t>(base + kGuard);
    // The guard band starts right at the requested end (the word-rounded end: every operand is 4-byte words).
    fillWords(reinterpret_cast<char*>(address) + ((std::size_t) bytes + 3) / 4 * 4, body - ((std::size_t) bytes + 3) / 4 * 4 + kGuard,
              kGuardWord);
    deviceBlocks[address] = {base, ((std::size_t) bytes + 3) / 4 * 4};
    return (long long) address;
}

// Frees a block of attune_emu_alloc; 0, or 1 with the error (no such block, or its guard bands overwritten).
extern "C" __attribute__((visibility("default"))) int attune_emu_free(long long address, char* err, int errLen) {
    std::lock_guard<std::mutex> hold(launchLock);
    auto b = deviceBlocks.find((uintptr_t) address);
    if (b == deviceBlocks.end()) return report("free of an address that is no emulated device block", err, errLen);
    std::string guards = checkGuards();
    std::free(b->second.base);
    deviceBlocks.erase(b);
    if (!guards.empty()) return report("a copy or memset " + guards, err, errLen);
    return 0;
}

// The number of kernels registered (the Java side checks that every kernel file was compiled in).
extern "C" __attribute__((visibility("default"))) int attune_emu_kernel_count() {
    return (int) registry().size();
}
