//go:build !purego

#include "textflag.h"

// func adamAVX2(data, grad, m, v []float32, c *adamConsts)
//
// For each value, in float32 with PyTorch's operation order (fused
// multiply-adds where its CPU kernels use them):
//	p = p·decay
//	m = fma(a1, g, m·b1)
//	v = fma(a2·g, g, v·b2)
//	p = p + (stepSize·m) / (sqrt(v)/bc2s + e)
TEXT ·adamAVX2(SB), NOSPLIT, $0-104
	MOVQ data_base+0(FP), DI
	MOVQ data_len+8(FP), CX
	MOVQ grad_base+24(FP), SI
	MOVQ m_base+48(FP), R8
	MOVQ v_base+72(FP), R9
	MOVQ c+96(FP), AX
	VBROADCASTSS 0(AX), Y8   // stepSize (negative)
	VBROADCASTSS 4(AX), Y9   // sqrt(1-β2ᵗ)
	VBROADCASTSS 8(AX), Y10  // β1
	VBROADCASTSS 12(AX), Y11 // 1-β1
	VBROADCASTSS 16(AX), Y12 // β2
	VBROADCASTSS 20(AX), Y13 // 1-β2
	VBROADCASTSS 24(AX), Y14 // eps
	VBROADCASTSS 28(AX), Y15 // decay
	SHRQ $3, CX
	JZ   done

loop:
	VMOVUPS     (SI), Y0       // g
	VMULPS      (R8), Y10, Y1  // m·β1
	VFMADD231PS Y0, Y11, Y1    // m = (1-β1)·g + m·β1
	VMULPS      Y0, Y13, Y2    // (1-β2)·g
	VMULPS      (R9), Y12, Y3  // v·β2
	VFMADD231PS Y0, Y2, Y3     // v = ((1-β2)·g)·g + v·β2
	VMOVUPS     Y1, (R8)
	VMOVUPS     Y3, (R9)
	VSQRTPS     Y3, Y4
	VDIVPS      Y9, Y4, Y4     // sqrt(v)/bc2s
	VADDPS      Y14, Y4, Y4    // + eps
	VMULPS      Y1, Y8, Y5     // stepSize·m
	VDIVPS      Y4, Y5, Y5     // / denom
	VMULPS      (DI), Y15, Y6  // p·decay
	VADDPS      Y5, Y6, Y6
	VMOVUPS     Y6, (DI)
	ADDQ        $32, DI
	ADDQ        $32, SI
	ADDQ        $32, R8
	ADDQ        $32, R9
	DECQ        CX
	JNZ         loop

done:
	VZEROUPPER
	RET

// func sgdAVX2(data, grad, buf []float32, lr, mom, damp float32)
TEXT ·sgdAVX2(SB), NOSPLIT, $0-84
	MOVQ data_base+0(FP), DI
	MOVQ data_len+8(FP), CX
	MOVQ grad_base+24(FP), SI
	MOVQ buf_base+48(FP), R8
	MOVQ buf_len+56(FP), R9
	VBROADCASTSS lr+72(FP), Y8
	VBROADCASTSS mom+76(FP), Y9
	VBROADCASTSS damp+80(FP), Y10
	SHRQ $3, CX
	JZ   sgddone
	TESTQ R9, R9
	JZ   plain

momentum:
	VMOVUPS     (SI), Y0       // g
	VMULPS      (R8), Y9, Y1   // b·mom
	VFMADD231PS Y0, Y10, Y1    // b = damp·g + b·mom
	VMOVUPS     Y1, (R8)
	VMOVUPS     (DI), Y2
	VFMADD231PS Y1, Y8, Y2     // p = lr·b + p
	VMOVUPS     Y2, (DI)
	ADDQ        $32, DI
	ADDQ        $32, SI
	ADDQ        $32, R8
	DECQ        CX
	JNZ         momentum
	JMP         sgddone

plain:
	VMOVUPS     (SI), Y0
	VMOVUPS     (DI), Y2
	VFMADD231PS Y0, Y8, Y2     // p = lr·g + p
	VMOVUPS     Y2, (DI)
	ADDQ        $32, DI
	ADDQ        $32, SI
	DECQ        CX
	JNZ         plain

sgddone:
	VZEROUPPER
	RET

// func rmspropAVX2(data, grad, sq, buf []float32, lr, al, a1, e, mom float32)
TEXT ·rmspropAVX2(SB), NOSPLIT, $0-116
	MOVQ data_base+0(FP), DI
	MOVQ data_len+8(FP), CX
	MOVQ grad_base+24(FP), SI
	MOVQ sq_base+48(FP), R8
	MOVQ buf_base+72(FP), R9
	MOVQ buf_len+80(FP), R10
	VBROADCASTSS lr+96(FP), Y8
	VBROADCASTSS al+100(FP), Y9
	VBROADCASTSS a1+104(FP), Y10
	VBROADCASTSS e+108(FP), Y11
	VBROADCASTSS mom+112(FP), Y12
	SHRQ $3, CX
	JZ   rmsdone
	TESTQ R10, R10
	JNZ  rmsmom

rmsplain:
	VMOVUPS     (SI), Y0       // g
	VMULPS      Y0, Y10, Y1    // (1-α)·g
	VMULPS      (R8), Y9, Y2   // sq·α
	VFMADD231PS Y0, Y1, Y2     // sq = ((1-α)·g)·g + sq·α
	VMOVUPS     Y2, (R8)
	VSQRTPS     Y2, Y3
	VADDPS      Y11, Y3, Y3    // avg = √sq + e
	VMULPS      Y0, Y8, Y4     // lr·g
	VDIVPS      Y3, Y4, Y4     // (lr·g)/avg
	VADDPS      (DI), Y4, Y4   // p + ...
	VMOVUPS     Y4, (DI)
	ADDQ        $32, DI
	ADDQ        $32, SI
	ADDQ        $32, R8
	DECQ        CX
	JNZ         rmsplain
	JMP         rmsdone

rmsmom:
	VMOVUPS     (SI), Y0
	VMULPS      Y0, Y10, Y1
	VMULPS      (R8), Y9, Y2
	VFMADD231PS Y0, Y1, Y2
	VMOVUPS     Y2, (R8)
	VSQRTPS     Y2, Y3
	VADDPS      Y11, Y3, Y3    // avg
	VDIVPS      Y3, Y0, Y4     // g/avg
	VMULPS      (R9), Y12, Y5  // b·mom
	VADDPS      Y4, Y5, Y5     // b = b·mom + g/avg
	VMOVUPS     Y5, (R9)
	VMOVUPS     (DI), Y6
	VFMADD231PS Y5, Y8, Y6     // p = lr·b + p
	VMOVUPS     Y6, (DI)
	ADDQ        $32, DI
	ADDQ        $32, SI
	ADDQ        $32, R8
	ADDQ        $32, R9
	DECQ        CX
	JNZ         rmsmom

rmsdone:
	VZEROUPPER
	RET

// func adagradAVX2(data, grad, sum []float32, clr, e float32)
TEXT ·adagradAVX2(SB), NOSPLIT, $0-80
	MOVQ data_base+0(FP), DI
	MOVQ data_len+8(FP), CX
	MOVQ grad_base+24(FP), SI
	MOVQ sum_base+48(FP), R8
	VBROADCASTSS clr+72(FP), Y8
	VBROADCASTSS e+76(FP), Y9
	SHRQ $3, CX
	JZ   adadone

adaloop:
	VMOVUPS     (SI), Y0       // g
	VMOVUPS     (R8), Y1
	VFMADD231PS Y0, Y0, Y1     // sum = g·g + sum
	VMOVUPS     Y1, (R8)
	VSQRTPS     Y1, Y2
	VADDPS      Y9, Y2, Y2     // √sum + e
	VMULPS      Y0, Y8, Y3     // clr·g
	VDIVPS      Y2, Y3, Y3
	VADDPS      (DI), Y3, Y3
	VMOVUPS     Y3, (DI)
	ADDQ        $32, DI
	ADDQ        $32, SI
	ADDQ        $32, R8
	DECQ        CX
	JNZ         adaloop

adadone:
	VZEROUPPER
	RET
