package dev.attune.nn;

import java.math.BigDecimal;

/** Formatting of values the way Python prints them, so module trees read like PyTorch's. */
final class Repr {
    private Repr() {}

    /** Python's repr of a float32 value: {@code 1e-05}, {@code 0.1}, {@code 1.0}. */
    static String pyFloat(float v) {
        if (Float.isNaN(v)) return "nan";
        if (Float.isInfinite(v)) return v > 0 ? "inf" : "-inf";
        BigDecimal d = new BigDecimal(Float.toString(v)).stripTrailingZeros();
        if (d.signum() == 0) return "0.0";
        int exponent = d.precision() - d.scale() - 1;
        if (exponent < -4 || exponent >= 16) {
            String digits = d.unscaledValue().abs().toString();
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return (d.signum() < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
        }
        String plain = d.toPlainString();
        return plain.contains(".") ? plain : plain + ".0";
    }

    static String pyBool(boolean b) {
        return b ? "True" : "False";
    }
}
