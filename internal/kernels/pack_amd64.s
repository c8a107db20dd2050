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
