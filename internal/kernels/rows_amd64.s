//go:build !purego

#include "textflag.h"

// Row kernels in AVX2+FMA (8 floats per ymm). Each loops over whole
// vectors and finishes the last n%8 elements with masked loads and stores
// (VMASKMOVPS), so no kernel reads or writes past its slices. The AVX-512
// GELU kernels at the end do the same on 16 floats per zmm, with opmask
// tails.

#define CONST8(name, bits) \
	DATA name<>+0(SB)/4, $bits; \
	DATA name<>+4(SB)/4, $bits; \
	DATA name<>+8(SB)/4, $bits; \
	DATA name<>+12(SB)/4, $bits; \
	DATA name<>+16(SB)/4, $bits; \
	DATA name<>+20(SB)/4, $bits; \
	DATA name<>+24(SB)/4, $bits; \
	DATA name<>+28(SB)/4, $bits; \
	GLOBL name<>(SB), RODATA|NOPTR, $32

// exp: Cephes expf. x is clamped to [-104, 88.75], n = round(x·log2e),
// r = x - n·ln2 (ln2 in two parts), e^r by a degree-7 polynomial, and the
// result scaled by 2^n as 2^(n>>1)·2^(n-(n>>1)) so that results in the
// subnormal range round once and n = 128 overflows to +Inf. NaN passes
// through.
CONST8(expHi, 0x42b18000)   // 88.75
CONST8(expLo, 0xc2d00000)   // -104
CONST8(log2e, 0x3fb8aa3b)   // 1.442695
CONST8(ln2hi, 0x3f318000)   // 0.693359375
CONST8(ln2lo, 0xb95e8083)   // -2.12194440e-4
CONST8(expP0, 0x39506967)   // 1.9875691500e-4
CONST8(expP1, 0x3ab743ce)   // 1.3981999507e-3
CONST8(expP2, 0x3c088908)   // 8.3334519073e-3
CONST8(expP3, 0x3d2aa9c1)   // 4.1665795894e-2
CONST8(expP4, 0x3e2aaaaa)   // 1.6666665459e-1
CONST8(expP5, 0x3f000000)   // 5.0000001201e-1
CONST8(bias127, 0x0000007f)
CONST8(one, 0x3f800000)
CONST8(two, 0x40000000)
CONST8(negTwo, 0xc0000000)
CONST8(negInf, 0xff800000)
CONST8(absMask, 0x7fffffff)
CONST8(signMask, 0x80000000)
// tanh: Cephes tanhf. |x| < 0.625: x + x·z·P(z), z = x²; else
// 1 - 2/(e^(2|x|)+1) with the sign of x.
CONST8(tanhSmall, 0x3f200000) // 0.625
CONST8(tanhP0, 0xbbbaf0ea)    // -5.70498872745e-3
CONST8(tanhP1, 0x3ca9134e)    // 2.06390887954e-2
CONST8(tanhP2, 0xbd5c1e2d)    // -5.37397155531e-2
CONST8(tanhP3, 0x3e088393)    // 1.33314422036e-1
CONST8(tanhP4, 0xbeaaaa99)    // -3.33332819422e-1
// GELU (tanh form): u = c·x + c·0.044715·x³, c = √(2/π).
CONST8(geluC, 0x3f4c422a)   // c
CONST8(geluCK, 0x3d122279)  // c·0.044715
CONST8(geluCK3, 0x3ddb33b6) // 3·c·0.044715

// tailMask: 8 all-ones lanes then 8 zero lanes; the 8 lanes starting at
// byte 32-4r have the first r lanes set.
DATA tailMask<>+0(SB)/4, $0xffffffff
DATA tailMask<>+4(SB)/4, $0xffffffff
DATA tailMask<>+8(SB)/4, $0xffffffff
DATA tailMask<>+12(SB)/4, $0xffffffff
DATA tailMask<>+16(SB)/4, $0xffffffff
DATA tailMask<>+20(SB)/4, $0xffffffff
DATA tailMask<>+24(SB)/4, $0xffffffff
DATA tailMask<>+28(SB)/4, $0xffffffff
DATA tailMask<>+32(SB)/4, $0
DATA tailMask<>+36(SB)/4, $0
DATA tailMask<>+40(SB)/4, $0
DATA tailMask<>+44(SB)/4, $0
DATA tailMask<>+48(SB)/4, $0
DATA tailMask<>+52(SB)/4, $0
DATA tailMask<>+56(SB)/4, $0
DATA tailMask<>+60(SB)/4, $0
GLOBL tailMask<>(SB), RODATA|NOPTR, $64

// TAILMASK sets M to the mask of the first CX (1..7) lanes; clobbers AX, CX.
#define TAILMASK(M) \
	LEAQ tailMask<>+32(SB), AX; \
	SHLQ $2, CX; \
	SUBQ CX, AX; \
	VMOVUPS (AX), M

// EXPPS sets X = exp(X); clobbers N, R, T.
#define EXPPS(X, N, R, T) \
	VMINPS expHi<>(SB), X, N; \
	VMAXPS expLo<>(SB), N, N; \
	VMULPS log2e<>(SB), N, R; \
	VROUNDPS $0, R, R; \
	VFNMADD231PS ln2hi<>(SB), R, N; \
	VFNMADD231PS ln2lo<>(SB), R, N; \
	VMOVUPS expP0<>(SB), T; \
	VFMADD213PS expP1<>(SB), N, T; \
	VFMADD213PS expP2<>(SB), N, T; \
	VFMADD213PS expP3<>(SB), N, T; \
	VFMADD213PS expP4<>(SB), N, T; \
	VFMADD213PS expP5<>(SB), N, T; \
	VFMADD213PS one<>(SB), N, T; \
	VFMADD213PS one<>(SB), N, T; \
	VCVTPS2DQ R, R; \
	VPSRAD $1, R, N; \
	VPSUBD N, R, R; \
	VPADDD bias127<>(SB), N, N; \
	VPSLLD $23, N, N; \
	VPADDD bias127<>(SB), R, R; \
	VPSLLD $23, R, R; \
	VMULPS N, T, T; \
	VMULPS R, T, T; \
	VCMPPS $3, X, X, N; \
	VBLENDVPS N, X, T, X

// HSUM sets the low lane of X (the xmm half of Y) to the sum of Y's lanes.
#define HSUM(Y, X, T) \
	VEXTRACTF128 $1, Y, T; \
	VADDPS T, X, X; \
	VHADDPS X, X, X; \
	VHADDPS X, X, X

// func dotAVX2(x, y *float32, n int) float32
TEXT ·dotAVX2(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ n+16(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
loop32:
	CMPQ CX, $32
	JL loop8
	VMOVUPS (SI), Y4
	VMOVUPS 32(SI), Y5
	VMOVUPS 64(SI), Y6
	VMOVUPS 96(SI), Y7
	VFMADD231PS (DI), Y4, Y0
	VFMADD231PS 32(DI), Y5, Y1
	VFMADD231PS 64(DI), Y6, Y2
	VFMADD231PS 96(DI), Y7, Y3
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP loop32
loop8:
	CMPQ CX, $8
	JL tail
	VMOVUPS (SI), Y4
	VFMADD231PS (DI), Y4, Y0
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop8
tail:
	TESTQ CX, CX
	JZ reduce
	TAILMASK(Y8)
	VMASKMOVPS (SI), Y8, Y4
	VMASKMOVPS (DI), Y8, Y5
	VFMADD231PS Y5, Y4, Y1
reduce:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	HSUM(Y0, X0, X1)
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// func sumAVX2(x *float32, n int) float32
TEXT ·sumAVX2(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
loop32:
	CMPQ CX, $32
	JL loop8
	VADDPS (SI), Y0, Y0
	VADDPS 32(SI), Y1, Y1
	VADDPS 64(SI), Y2, Y2
	VADDPS 96(SI), Y3, Y3
	ADDQ $128, SI
	SUBQ $32, CX
	JMP loop32
loop8:
	CMPQ CX, $8
	JL tail
	VADDPS (SI), Y0, Y0
	ADDQ $32, SI
	SUBQ $8, CX
	JMP loop8
tail:
	TESTQ CX, CX
	JZ reduce
	TAILMASK(Y8)
	VMASKMOVPS (SI), Y8, Y4
	VADDPS Y4, Y1, Y1
reduce:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	HSUM(Y0, X0, X1)
	VZEROUPPER
	MOVSS X0, ret+16(FP)
	RET

// func maxAVX2(x *float32, n int) float32
// m = (v > m) ? v : m per lane, as the Go loop: NaNs are skipped.
TEXT ·maxAVX2(SB), NOSPLIT, $0-20
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VMOVUPS negInf<>(SB), Y0
	VMOVUPS Y0, Y1
	VMOVUPS Y0, Y9
loop16:
	CMPQ CX, $16
	JL loop8
	VMOVUPS (SI), Y4
	VMOVUPS 32(SI), Y5
	VMAXPS Y0, Y4, Y0
	VMAXPS Y1, Y5, Y1
	ADDQ $64, SI
	SUBQ $16, CX
	JMP loop16
loop8:
	CMPQ CX, $8
	JL tail
	VMOVUPS (SI), Y4
	VMAXPS Y0, Y4, Y0
	ADDQ $32, SI
	SUBQ $8, CX
	JMP loop8
tail:
	TESTQ CX, CX
	JZ reduce
	TAILMASK(Y8)
	VMASKMOVPS (SI), Y8, Y4
	VBLENDVPS Y8, Y4, Y9, Y4
	VMAXPS Y1, Y4, Y1
reduce:
	VMAXPS Y0, Y1, Y0
	VEXTRACTF128 $1, Y0, X1
	VMAXPS X0, X1, X0
	VPERMILPS $0x4e, X0, X1
	VMAXPS X0, X1, X0
	VPERMILPS $0xb1, X0, X1
	VMAXPS X0, X1, X0
	VZEROUPPER
	MOVSS X0, ret+16(FP)
	RET

// func axpyAVX2(alpha float32, x, y *float32, n int)
TEXT ·axpyAVX2(SB), NOSPLIT, $0-32
	VBROADCASTSS alpha+0(FP), Y15
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DI
	MOVQ n+24(FP), CX
loop16:
	CMPQ CX, $16
	JL loop8
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	VFMADD231PS (SI), Y15, Y0
	VFMADD231PS 32(SI), Y15, Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP loop16
loop8:
	CMPQ CX, $8
	JL tail
	VMOVUPS (DI), Y0
	VFMADD231PS (SI), Y15, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop8
tail:
	TESTQ CX, CX
	JZ done
	TAILMASK(Y8)
	VMASKMOVPS (SI), Y8, Y1
	VMASKMOVPS (DI), Y8, Y0
	VFMADD231PS Y1, Y15, Y0
	VMASKMOVPS Y0, Y8, (DI)
done:
	VZEROUPPER
	RET

// func scaleAVX2(alpha float32, x *float32, n int)
TEXT ·scaleAVX2(SB), NOSPLIT, $0-24
	VBROADCASTSS alpha+0(FP), Y15
	MOVQ x+8(FP), DI
	MOVQ n+16(FP), CX
loop16:
	CMPQ CX, $16
	JL loop8
	VMULPS (DI), Y15, Y0
	VMULPS 32(DI), Y15, Y1
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	ADDQ $64, DI
	SUBQ $16, CX
	JMP loop16
loop8:
	CMPQ CX, $8
	JL tail
	VMULPS (DI), Y15, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop8
tail:
	TESTQ CX, CX
	JZ done
	TAILMASK(Y8)
	VMASKMOVPS (DI), Y8, Y0
	VMULPS Y0, Y15, Y0
	VMASKMOVPS Y0, Y8, (DI)
done:
	VZEROUPPER
	RET

// func addConstAVX2(dst, src *float32, n int, c float32)
TEXT ·addConstAVX2(SB), NOSPLIT, $0-28
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS c+24(FP), Y15
loop8:
	CMPQ CX, $8
	JL tail
	VADDPS (SI), Y15, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop8
tail:
	TESTQ CX, CX
	JZ done
	TAILMASK(Y8)
	VMASKMOVPS (SI), Y8, Y0
	VADDPS Y0, Y15, Y0
	VMASKMOVPS Y0, Y8, (DI)
done:
	VZEROUPPER
	RET

// func expAVX2(dst, src *float32, n int)
TEXT ·expAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
loop16:
	CMPQ CX, $16
	JL loop8
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y4
	EXPPS(Y0, Y1, Y2, Y3)
	EXPPS(Y4, Y5, Y6, Y7)
	VMOVUPS Y0, (DI)
	VMOVUPS Y4, 32(DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP loop16
loop8:
	CMPQ CX, $8
	JL tail
	VMOVUPS (SI), Y0
	EXPPS(Y0, Y1, Y2, Y3)
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop8
tail:
	TESTQ CX, CX
	JZ done
	TAILMASK(Y8)
	VMASKMOVPS (SI), Y8, Y0
	EXPPS(Y0, Y1, Y2, Y3)
	VMASKMOVPS Y0, Y8, (DI)
done:
	VZEROUPPER
	RET

// func expShiftSumAVX2(dst, src *float32, n int, shift float32) float32
// dst[i] = exp(src[i]-shift); returns the sum of dst.
TEXT ·expShiftSumAVX2(SB), NOSPLIT, $0-36
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	VBROADCASTSS shift+24(FP), Y15
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
loop16:
	CMPQ CX, $16
	JL loop8
	VMOVUPS (SI), Y0
	VMOVUPS 32(SI), Y4
	VSUBPS Y15, Y0, Y0
	VSUBPS Y15, Y4, Y4
	EXPPS(Y0, Y1, Y2, Y3)
	EXPPS(Y4, Y5, Y6, Y7)
	VMOVUPS Y0, (DI)
	VMOVUPS Y4, 32(DI)
	VADDPS Y0, Y10, Y10
	VADDPS Y4, Y11, Y11
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP loop16
loop8:
	CMPQ CX, $8
	JL tail
	VMOVUPS (SI), Y0
	VSUBPS Y15, Y0, Y0
	EXPPS(Y0, Y1, Y2, Y3)
	VMOVUPS Y0, (DI)
	VADDPS Y0, Y10, Y10
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop8
tail:
	TESTQ CX, CX
	JZ reduce
	TAILMASK(Y8)
	VMASKMOVPS (SI), Y8, Y0
	VSUBPS Y15, Y0, Y0
	EXPPS(Y0, Y1, Y2, Y3)
	VANDPS Y8, Y0, Y0
	VMASKMOVPS Y0, Y8, (DI)
	VADDPS Y0, Y11, Y11
reduce:
	VADDPS Y11, Y10, Y10
	HSUM(Y10, X10, X11)
	VZEROUPPER
	MOVSS X10, ret+32(FP)
	RET

// TANHPS sets D = tanh(X) (X kept); clobbers Y1..Y7.
#define TANHPS(X, D) \
	VANDPS absMask<>(SB), X, Y1; \
	VMULPS Y1, Y1, Y2; \
	VMOVUPS tanhP0<>(SB), Y3; \
	VFMADD213PS tanhP1<>(SB), Y2, Y3; \
	VFMADD213PS tanhP2<>(SB), Y2, Y3; \
	VFMADD213PS tanhP3<>(SB), Y2, Y3; \
	VFMADD213PS tanhP4<>(SB), Y2, Y3; \
	VMULPS Y2, Y3, Y3; \
	VFMADD213PS Y1, Y1, Y3; \
	VADDPS Y1, Y1, D; \
	EXPPS(D, Y5, Y6, Y7); \
	VADDPS one<>(SB), D, D; \
	VMOVUPS two<>(SB), Y5; \
	VDIVPS D, Y5, Y5; \
	VMOVUPS one<>(SB), D; \
	VSUBPS Y5, D, D; \
	VCMPPS $1, tanhSmall<>(SB), Y1, Y6; \
	VBLENDVPS Y6, Y3, D, D; \
	VANDPS signMask<>(SB), X, Y5; \
	VORPS Y5, D, D

// func tanhAVX2(dst, src *float32, n int)
TEXT ·tanhAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
loop8:
	CMPQ CX, $8
	JL tail
	VMOVUPS (SI), Y0
	TANHPS(Y0, Y4)
	VMOVUPS Y4, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop8
tail:
	TESTQ CX, CX
	JZ done
	TAILMASK(Y8)
	VMASKMOVPS (SI), Y8, Y0
	TANHPS(Y0, Y4)
	VMASKMOVPS Y4, Y8, (DI)
done:
	VZEROUPPER
	RET

// GELUS sets Y4 = 1/(1+exp(-2u)) = (1+tanh u)/2 for X; Y1 = x², Y2 = u;
// clobbers Y3, Y5..Y7.
#define GELUS(X) \
	VMULPS X, X, Y1; \
	VMOVUPS geluCK<>(SB), Y2; \
	VFMADD213PS geluC<>(SB), Y1, Y2; \
	VMULPS X, Y2, Y2; \
	VMULPS negTwo<>(SB), Y2, Y3; \
	EXPPS(Y3, Y5, Y6, Y7); \
	VADDPS one<>(SB), Y3, Y3; \
	VMOVUPS one<>(SB), Y4; \
	VDIVPS Y3, Y4, Y4

// func geluAVX2(dst, src *float32, n int)
// gelu(x) = x·(1+tanh u)/2 = x/(1+exp(-2u)), which keeps full precision in
// the negative tail.
TEXT ·geluAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
loop8:
	CMPQ CX, $8
	JL tail
	VMOVUPS (SI), Y0
	GELUS(Y0)
	VMULPS Y4, Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop8
tail:
	TESTQ CX, CX
	JZ done
	TAILMASK(Y8)
	VMASKMOVPS (SI), Y8, Y0
	GELUS(Y0)
	VMULPS Y4, Y0, Y0
	VMASKMOVPS Y0, Y8, (DI)
done:
	VZEROUPPER
	RET

// GELUGRAD sets Y6 = gelu'(X) = s + 2x·s(1-s)·u' with s = Y4 from GELUS
// and u' = c + 3·c·0.044715·x².
#define GELUGRAD(X) \
	GELUS(X); \
	VMOVUPS geluCK3<>(SB), Y5; \
	VFMADD213PS geluC<>(SB), Y1, Y5; \
	VMOVUPS one<>(SB), Y6; \
	VSUBPS Y4, Y6, Y6; \
	VMULPS Y4, Y6, Y6; \
	VMULPS Y5, Y6, Y6; \
	VMULPS X, Y6, Y6; \
	VADDPS Y6, Y6, Y6; \
	VADDPS Y4, Y6, Y6

// func geluBackwardAVX2(dx, dout, x *float32, n int)
TEXT ·geluBackwardAVX2(SB), NOSPLIT, $0-32
	MOVQ dx+0(FP), DI
	MOVQ dout+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ n+24(FP), CX
loop8:
	CMPQ CX, $8
	JL tail
	VMOVUPS (SI), Y0
	GELUGRAD(Y0)
	VMOVUPS (DI), Y9
	VFMADD231PS (DX), Y6, Y9
	VMOVUPS Y9, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, DX
	SUBQ $8, CX
	JMP loop8
tail:
	TESTQ CX, CX
	JZ done
	TAILMASK(Y8)
	VMASKMOVPS (SI), Y8, Y0
	GELUGRAD(Y0)
	VMASKMOVPS (DI), Y8, Y9
	VMASKMOVPS (DX), Y8, Y10
	VFMADD231PS Y10, Y6, Y9
	VMASKMOVPS Y9, Y8, (DI)
done:
	VZEROUPPER
	RET

// func sumSqDevAVX2(x *float32, n int, mean float32) float32
// Σ (x[i]-mean)².
TEXT ·sumSqDevAVX2(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), SI
	MOVQ n+8(FP), CX
	VBROADCASTSS mean+16(FP), Y15
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
loop16:
	CMPQ CX, $16
	JL loop8
	VMOVUPS (SI), Y4
	VMOVUPS 32(SI), Y5
	VSUBPS Y15, Y4, Y4
	VSUBPS Y15, Y5, Y5
	VFMADD231PS Y4, Y4, Y0
	VFMADD231PS Y5, Y5, Y1
	ADDQ $64, SI
	SUBQ $16, CX
	JMP loop16
loop8:
	CMPQ CX, $8
	JL tail
	VMOVUPS (SI), Y4
	VSUBPS Y15, Y4, Y4
	VFMADD231PS Y4, Y4, Y0
	ADDQ $32, SI
	SUBQ $8, CX
	JMP loop8
tail:
	TESTQ CX, CX
	JZ reduce
	TAILMASK(Y8)
	VMASKMOVPS (SI), Y8, Y4
	VSUBPS Y15, Y4, Y4
	VANDPS Y8, Y4, Y4
	VFMADD231PS Y4, Y4, Y1
reduce:
	VADDPS Y1, Y0, Y0
	HSUM(Y0, X0, X1)
	VZEROUPPER
	MOVSS X0, ret+24(FP)
	RET

// func normAffineAVX2(out, x, w, b *float32, n int, mean, rstd float32)
// out = (x-mean)·rstd·w + b.
TEXT ·normAffineAVX2(SB), NOSPLIT, $0-48
	MOVQ out+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ w+16(FP), DX
	MOVQ b+24(FP), BX
	MOVQ n+32(FP), CX
	VBROADCASTSS mean+40(FP), Y14
	VBROADCASTSS rstd+44(FP), Y15
loop8:
	CMPQ CX, $8
	JL tail
	VMOVUPS (SI), Y0
	VSUBPS Y14, Y0, Y0
	VMULPS Y15, Y0, Y0
	VMULPS (DX), Y0, Y0
	VADDPS (BX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ $32, SI
	ADDQ $32, DI
	ADDQ $32, DX
	ADDQ $32, BX
	SUBQ $8, CX
	JMP loop8
tail:
	TESTQ CX, CX
	JZ done
	TAILMASK(Y8)
	VMASKMOVPS (SI), Y8, Y0
	VMASKMOVPS (DX), Y8, Y1
	VMASKMOVPS (BX), Y8, Y2
	VSUBPS Y14, Y0, Y0
	VMULPS Y15, Y0, Y0
	VMULPS Y1, Y0, Y0
	VADDPS Y2, Y0, Y0
	VMASKMOVPS Y0, Y8, (DI)
done:
	VZEROUPPER
	RET

// func lnBackSumsAVX2(dw, db, dout, x, w *float32, n int, mean, rstd float32) (sumG, sumGX float32)
// With xh = (x-mean)·rstd and g = dout·w: dw += dout·xh, db += dout;
// returns Σg and Σg·xh.
TEXT ·lnBackSumsAVX2(SB), NOSPLIT, $0-64
	MOVQ dw+0(FP), R8
	MOVQ db+8(FP), R9
	MOVQ dout+16(FP), DX
	MOVQ x+24(FP), SI
	MOVQ w+32(FP), BX
	MOVQ n+40(FP), CX
	VBROADCASTSS mean+48(FP), Y14
	VBROADCASTSS rstd+52(FP), Y15
	VXORPS Y10, Y10, Y10
	VXORPS Y11, Y11, Y11
loop8:
	CMPQ CX, $8
	JL tail
	VMOVUPS (SI), Y0
	VSUBPS Y14, Y0, Y0
	VMULPS Y15, Y0, Y0
	VMOVUPS (DX), Y1
	VMULPS (BX), Y1, Y2
	VADDPS Y2, Y10, Y10
	VFMADD231PS Y0, Y2, Y11
	VMOVUPS (R8), Y3
	VFMADD231PS Y0, Y1, Y3
	VMOVUPS Y3, (R8)
	VADDPS (R9), Y1, Y4
	VMOVUPS Y4, (R9)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, BX
	ADDQ $32, R8
	ADDQ $32, R9
	SUBQ $8, CX
	JMP loop8
tail:
	TESTQ CX, CX
	JZ reduce
	TAILMASK(Y8)
	VMASKMOVPS (SI), Y8, Y0
	VSUBPS Y14, Y0, Y0
	VMULPS Y15, Y0, Y0
	VMASKMOVPS (DX), Y8, Y1
	VMASKMOVPS (BX), Y8, Y5
	VMULPS Y5, Y1, Y2
	VADDPS Y2, Y10, Y10
	VFMADD231PS Y0, Y2, Y11
	VMASKMOVPS (R8), Y8, Y3
	VFMADD231PS Y0, Y1, Y3
	VMASKMOVPS Y3, Y8, (R8)
	VMASKMOVPS (R9), Y8, Y4
	VADDPS Y1, Y4, Y4
	VMASKMOVPS Y4, Y8, (R9)
reduce:
	HSUM(Y10, X10, X12)
	HSUM(Y11, X11, X12)
	VZEROUPPER
	MOVSS X10, sumG+56(FP)
	MOVSS X11, sumGX+60(FP)
	RET

// func lnBackDxAVX2(dx, dout, x, w *float32, n int, mean, rstd, c1, c2 float32)
// dx += rstd·(dout·w - c1 - xh·c2), xh = (x-mean)·rstd.
TEXT ·lnBackDxAVX2(SB), NOSPLIT, $0-56
	MOVQ dx+0(FP), DI
	MOVQ dout+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ w+24(FP), BX
	MOVQ n+32(FP), CX
	VBROADCASTSS mean+40(FP), Y12
	VBROADCASTSS rstd+44(FP), Y13
	VBROADCASTSS c1+48(FP), Y14
	VBROADCASTSS c2+52(FP), Y15
loop8:
	CMPQ CX, $8
	JL tail
	VMOVUPS (SI), Y0
	VSUBPS Y12, Y0, Y0
	VMULPS Y13, Y0, Y0
	VMOVUPS (DX), Y1
	VMULPS (BX), Y1, Y1
	VSUBPS Y14, Y1, Y1
	VFNMADD231PS Y15, Y0, Y1
	VMOVUPS (DI), Y2
	VFMADD231PS Y13, Y1, Y2
	VMOVUPS Y2, (DI)
	ADDQ $32, SI
	ADDQ $32, DX
	ADDQ $32, BX
	ADDQ $32, DI
	SUBQ $8, CX
	JMP loop8
tail:
	TESTQ CX, CX
	JZ done
	TAILMASK(Y8)
	VMASKMOVPS (SI), Y8, Y0
	VSUBPS Y12, Y0, Y0
	VMULPS Y13, Y0, Y0
	VMASKMOVPS (DX), Y8, Y1
	VMASKMOVPS (BX), Y8, Y5
	VMULPS Y5, Y1, Y1
	VSUBPS Y14, Y1, Y1
	VFNMADD231PS Y15, Y0, Y1
	VMASKMOVPS (DI), Y8, Y2
	VFMADD231PS Y13, Y1, Y2
	VMASKMOVPS Y2, Y8, (DI)
done:
	VZEROUPPER
	RET

// func dotInt8AVX2(x, y *int8, n int) int32
// Sign-extends 16 bytes of each to int16 (VPMOVSXBW), multiplies and adds
// pairs into int32 (VPMADDWD), accumulates; the last n%16 in scalar code.
TEXT ·dotInt8AVX2(SB), NOSPLIT, $0-28
	MOVQ x+0(FP), SI
	MOVQ y+8(FP), DI
	MOVQ n+16(FP), CX
	VPXOR Y0, Y0, Y0
	VPXOR Y1, Y1, Y1
loop32:
	CMPQ CX, $32
	JL loop16
	VPMOVSXBW (SI), Y2
	VPMOVSXBW (DI), Y3
	VPMOVSXBW 16(SI), Y4
	VPMOVSXBW 16(DI), Y5
	VPMADDWD Y3, Y2, Y2
	VPMADDWD Y5, Y4, Y4
	VPADDD Y2, Y0, Y0
	VPADDD Y4, Y1, Y1
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $32, CX
	JMP loop32
loop16:
	CMPQ CX, $16
	JL reduce
	VPMOVSXBW (SI), Y2
	VPMOVSXBW (DI), Y3
	VPMADDWD Y3, Y2, Y2
	VPADDD Y2, Y0, Y0
	ADDQ $16, SI
	ADDQ $16, DI
	SUBQ $16, CX
reduce:
	VPADDD Y1, Y0, Y0
	VEXTRACTI128 $1, Y0, X1
	VPADDD X1, X0, X0
	VPSHUFD $0x4e, X0, X1
	VPADDD X1, X0, X0
	VPSHUFD $0xb1, X0, X1
	VPADDD X1, X0, X0
	VMOVD X0, AX
	VZEROUPPER
scalar:
	TESTQ CX, CX
	JZ done
	MOVBQSX (SI), R8
	MOVBQSX (DI), R9
	IMULL R9, R8
	ADDL R8, AX
	INCQ SI
	INCQ DI
	DECQ CX
	JMP scalar
done:
	MOVL AX, ret+24(FP)
	RET

// GELUCONSTS512 loads the constants of GELU512 and GELUGRAD512 (and
// EXP512's) into Z16-Z31, one per register, broadcast to 16 lanes.
#define GELUCONSTS512 \
	VBROADCASTSS geluCK<>(SB), Z16; \
	VBROADCASTSS geluC<>(SB), Z17; \
	VBROADCASTSS negTwo<>(SB), Z18; \
	VBROADCASTSS expHi<>(SB), Z19; \
	VBROADCASTSS expLo<>(SB), Z20; \
	VBROADCASTSS log2e<>(SB), Z21; \
	VBROADCASTSS ln2hi<>(SB), Z22; \
	VBROADCASTSS ln2lo<>(SB), Z23; \
	VBROADCASTSS expP0<>(SB), Z24; \
	VBROADCASTSS expP1<>(SB), Z25; \
	VBROADCASTSS expP2<>(SB), Z26; \
	VBROADCASTSS expP3<>(SB), Z27; \
	VBROADCASTSS expP4<>(SB), Z28; \
	VBROADCASTSS expP5<>(SB), Z29; \
	VBROADCASTSS one<>(SB), Z30; \
	VPBROADCASTD bias127<>(SB), Z31

// TAILK1 sets the opmask K1 to the first CX (< 16) lanes; clobbers AX.
#define TAILK1 \
	MOVQ $1, AX; \
	SHLQ CX, AX; \
	DECQ AX; \
	KMOVW AX, K1

// EXP512 is EXPPS on 16 lanes, with its constants in Z19-Z31 (GELUCONSTS512):
// it sets T = exp(X); clobbers N, R and K2.
#define EXP512(X, N, R, T) \
	VMINPS Z19, X, N; \
	VMAXPS Z20, N, N; \
	VMULPS Z21, N, R; \
	VRNDSCALEPS $0, R, R; \
	VFNMADD231PS Z22, R, N; \
	VFNMADD231PS Z23, R, N; \
	VMOVAPS Z24, T; \
	VFMADD213PS Z25, N, T; \
	VFMADD213PS Z26, N, T; \
	VFMADD213PS Z27, N, T; \
	VFMADD213PS Z28, N, T; \
	VFMADD213PS Z29, N, T; \
	VFMADD213PS Z30, N, T; \
	VFMADD213PS Z30, N, T; \
	VCVTPS2DQ R, R; \
	VPSRAD $1, R, N; \
	VPSUBD N, R, R; \
	VPADDD Z31, N, N; \
	VPSLLD $23, N, N; \
	VPADDD Z31, R, R; \
	VPSLLD $23, R, R; \
	VMULPS N, T, T; \
	VMULPS R, T, T; \
	VCMPPS $3, X, X, K2; \
	VMOVAPS X, K2, T

// GELUDEN512 sets Z7 = 1+exp(-2u), u = c·x + c·0.044715·x³ of X (the
// denominator of gelu(x) = x/(1+exp(-2u))), and Z1 = x²; clobbers Z2-Z6
// and K2.
#define GELUDEN512(X) \
	VMULPS X, X, Z1; \
	VMOVAPS Z16, Z2; \
	VFMADD213PS Z17, Z1, Z2; \
	VMULPS X, Z2, Z2; \
	VMULPS Z18, Z2, Z3; \
	EXP512(Z3, Z5, Z6, Z7); \
	VADDPS Z30, Z7, Z7

// GELU512 sets X = gelu(X) on 16 lanes; clobbers Z1-Z7 and K2.
#define GELU512(X) \
	GELUDEN512(X); \
	VDIVPS Z7, X, X

// func geluAVX512(dst, src *float32, n int)
// geluAVX2 on 16 lanes, the constants held in registers; the last n%16
// elements with masked loads and stores.
TEXT ·geluAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ n+16(FP), CX
	GELUCONSTS512
loop16:
	CMPQ CX, $16
	JL tail
	VMOVUPS (SI), Z0
	GELU512(Z0)
	VMOVUPS Z0, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	SUBQ $16, CX
	JMP loop16
tail:
	TESTQ CX, CX
	JZ done
	TAILK1
	VMOVUPS.Z (SI), K1, Z0
	GELU512(Z0)
	VMOVUPS Z0, K1, (DI)
done:
	VZEROUPPER
	RET

// GELUGRAD512 sets Z6 = gelu'(X) = s + 2x·s(1-s)·u' on 16 lanes, with
// s = 1/(1+exp(-2u)) and u' = c + 3·c·0.044715·x² (3·c·0.044715 in Z15);
// clobbers Z1-Z7 and K2.
#define GELUGRAD512(X) \
	GELUDEN512(X); \
	VDIVPS Z7, Z30, Z4; \
	VMOVAPS Z15, Z5; \
	VFMADD213PS Z17, Z1, Z5; \
	VSUBPS Z4, Z30, Z6; \
	VMULPS Z4, Z6, Z6; \
	VMULPS Z5, Z6, Z6; \
	VMULPS X, Z6, Z6; \
	VADDPS Z6, Z6, Z6; \
	VADDPS Z4, Z6, Z6

// func geluBackwardAVX512(dx, dout, x *float32, n int)
// dx += dout·gelu'(x), as geluBackwardAVX2, on 16 lanes.
TEXT ·geluBackwardAVX512(SB), NOSPLIT, $0-32
	MOVQ dx+0(FP), DI
	MOVQ dout+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ n+24(FP), CX
	VBROADCASTSS geluCK3<>(SB), Z15
	GELUCONSTS512
gloop16:
	CMPQ CX, $16
	JL gtail
	VMOVUPS (SI), Z0
	GELUGRAD512(Z0)
	VMOVUPS (DI), Z9
	VFMADD231PS (DX), Z6, Z9
	VMOVUPS Z9, (DI)
	ADDQ $64, SI
	ADDQ $64, DI
	ADDQ $64, DX
	SUBQ $16, CX
	JMP gloop16
gtail:
	TESTQ CX, CX
	JZ gdone
	TAILK1
	VMOVUPS.Z (SI), K1, Z0
	GELUGRAD512(Z0)
	VMOVUPS.Z (DI), K1, Z9
	VMOVUPS.Z (DX), K1, Z10
	VFMADD231PS Z10, Z6, Z9
	VMOVUPS Z9, K1, (DI)
gdone:
	VZEROUPPER
	RET
