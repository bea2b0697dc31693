// SPDX-License-Identifier: GPL-2.0
// The Java recipe's workload (docs/aot-guide.md). Prints: RESULT MS.
public class Loop {
    static long f(long x) { return (x * 31 + 7) % 1000003; }

    public static void main(String[] args) {
        long n = args.length > 0 ? Long.parseLong(args[0]) : 0, s = 0;
        long t0 = System.nanoTime();
        for (long i = 1; i <= n; i++)
            s = (s + f(i)) % 1000003;
        System.out.printf("%d %.1f%n", s, (System.nanoTime() - t0) / 1e6);
    }
}
