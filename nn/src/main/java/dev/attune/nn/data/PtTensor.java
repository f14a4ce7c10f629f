package dev.attune.nn.data;

import java.util.Arrays;

/**
 * A tensor read from a {@code torch.save} file, materialised contiguous in row-major order:
 * element {@code (i_0, .., i_{n-1})} is {@code data[sum_j i_j * prod_{k>j} shape[k]]}.
 *
 * @param dtype    PyTorch dtype name: float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8 or bool
 * @param shape    sizes per dimension (empty for a scalar)
 * @param data     every element as float (float64 and integers above 2^24 are rounded)
 * @param integers every element exactly, for integer and bool dtypes; {@code null} for floating dtypes
 */
public record PtTensor(String dtype, int[] shape, float[] data, long[] integers) {

    /** Number of elements, the product of {@link #shape()}. */
    public int numel() {
        return data.length;
    }

    /** True for float32, float64, float16 and bfloat16. */
    public boolean isFloatingPoint() {
        return integers == null;
    }

    /** This 2-D tensor as rows: {@code m[i][j] = data[i * shape[1] + j]}. */
    public float[][] toMatrix() {
        if (shape.length != 2) {
            throw new IllegalStateException("PtTensor.toMatrix: expected a 2-D tensor, found shape " + Arrays.toString(shape));
        }
        float[][] m = new float[shape[0]][];
        for (int i = 0; i < shape[0]; i++) {
            m[i] = Arrays.copyOfRange(data, i * shape[1], (i + 1) * shape[1]);
        }
        return m;
    }

    @Override
    public String toString() {
        return "PtTensor[" + dtype + " " + Arrays.toString(shape) + "]";
    }
}
