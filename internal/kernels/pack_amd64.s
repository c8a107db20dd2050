//go:build !purego

#include "textflag.h"

// func copyGroupsAVX512(dst *float32, dstStride int, src *float32, srcStride, n, w int)
// Copies n groups of w (1..16) floats: src[i*srcStride:][:w] to
// dst[i*dstStride:][:w], strides in floats. Masked loads and stores touch
// exactly the w floats of each group.
TEXT ·copyGroupsAVX512(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ dstStride+8(FP), DX
	SHLQ $2, DX
	MOVQ src+16(FP), SI
	MOVQ srcStride+24(FP), R8
	SHLQ $2, R8
	MOVQ n+32(FP), BX
	MOVQ w+40(FP), CX
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	KMOVW AX, K1

group4:
	CMPQ BX, $4
	JLT  group1
	LEAQ (SI)(R8*2), R9
	LEAQ (DI)(DX*2), R10
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS.Z (SI)(R8*1), K1, Z1
	VMOVUPS.Z (R9), K1, Z2
	VMOVUPS.Z (R9)(R8*1), K1, Z3
	VMOVUPS   Z0, K1, (DI)
	VMOVUPS   Z1, K1, (DI)(DX*1)
	VMOVUPS   Z2, K1, (R10)
	VMOVUPS   Z3, K1, (R10)(DX*1)
	LEAQ (R9)(R8*2), SI
	LEAQ (R10)(DX*2), DI
	SUBQ $4, BX
	JMP  group4

group1:
	TESTQ BX, BX
	JEQ   done
	VMOVUPS.Z (SI), K1, Z0
	VMOVUPS   Z0, K1, (DI)
	ADDQ R8, SI
	ADDQ DX, DI
	DECQ BX
	JMP  group1

done:
	VZEROUPPER
	RET

// func transposePanelAVX2(dst *float32, nr int, src *float32, ldb, kb8, w8 int)
// Packs a transposed B panel in 8×8 blocks: for jb < w8 and pb < kb8,
// dst[(8pb+q)·nr + 8jb+r] = src[(8jb+r)·ldb + 8pb+q], q, r < 8. Each block
// is eight row loads, the classic unpack/shuffle/permute transpose, and
// eight row stores.
TEXT ·transposePanelAVX2(SB), NOSPLIT, $0-48
	MOVQ dst+0(FP), DI
	MOVQ nr+8(FP), DX
	SHLQ $2, DX
	MOVQ src+16(FP), SI
	MOVQ ldb+24(FP), R8
	SHLQ $2, R8
	MOVQ kb8+32(FP), R10
	MOVQ w8+40(FP), BX
	LEAQ (R8)(R8*2), R12
	LEAQ (DX)(DX*2), R13
	TESTQ BX, BX
	JEQ   tdone
	TESTQ R10, R10
	JEQ   tdone

trow:
	MOVQ SI, R11
	MOVQ DI, AX
	MOVQ R10, CX

tcol:
	VMOVUPS (R11), Y0
	VMOVUPS (R11)(R8*1), Y1
	VMOVUPS (R11)(R8*2), Y2
	VMOVUPS (R11)(R12*1), Y3
	LEAQ    (R11)(R8*4), R9
	VMOVUPS (R9), Y4
	VMOVUPS (R9)(R8*1), Y5
	VMOVUPS (R9)(R8*2), Y6
	VMOVUPS (R9)(R12*1), Y7

	VUNPCKLPS Y1, Y0, Y8
	VUNPCKHPS Y1, Y0, Y9
	VUNPCKLPS Y3, Y2, Y10
	VUNPCKHPS Y3, Y2, Y11
	VUNPCKLPS Y5, Y4, Y12
	VUNPCKHPS Y5, Y4, Y13
	VUNPCKLPS Y7, Y6, Y14
	VUNPCKHPS Y7, Y6, Y15

	VSHUFPS $0x44, Y10, Y8, Y0
	VSHUFPS $0xEE, Y10, Y8, Y1
	VSHUFPS $0x44, Y11, Y9, Y2
	VSHUFPS $0xEE, Y11, Y9, Y3
	VSHUFPS $0x44, Y14, Y12, Y4
	VSHUFPS $0xEE, Y14, Y12, Y5
	VSHUFPS $0x44, Y15, Y13, Y6
	VSHUFPS $0xEE, Y15, Y13, Y7

	VPERM2F128 $0x20, Y4, Y0, Y8
	VPERM2F128 $0x20, Y5, Y1, Y9
	VPERM2F128 $0x20, Y6, Y2, Y10
	VPERM2F128 $0x20, Y7, Y3, Y11
	VPERM2F128 $0x31, Y4, Y0, Y12
	VPERM2F128 $0x31, Y5, Y1, Y13
	VPERM2F128 $0x31, Y6, Y2, Y14
	VPERM2F128 $0x31, Y7, Y3, Y15

	VMOVUPS Y8, (AX)
	VMOVUPS Y9, (AX)(DX*1)
	VMOVUPS Y10, (AX)(DX*2)
	VMOVUPS Y11, (AX)(R13*1)
	LEAQ    (AX)(DX*4), R9
	VMOVUPS Y12, (R9)
	VMOVUPS Y13, (R9)(DX*1)
	VMOVUPS Y14, (R9)(DX*2)
	VMOVUPS Y15, (R9)(R13*1)

	ADDQ $32, R11
	LEAQ (AX)(DX*8), AX
	DECQ CX
	JNE  tcol

	LEAQ (SI)(R8*8), SI
	ADDQ $32, DI
	DECQ BX
	JNE  trow

tdone:
	VZEROUPPER
	RET
