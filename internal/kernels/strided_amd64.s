//go:build !purego

#include "textflag.h"

// func dotRowsAVX2(s, x, y *float32, ld, rows, n int)
// s[j] = x·y[j*ld : j*ld+n] for j < rows; n a positive multiple of 8.
TEXT ·dotRowsAVX2(SB), NOSPLIT, $0-48
	MOVQ s+0(FP), DX
	MOVQ x+8(FP), SI
	MOVQ y+16(FP), DI
	MOVQ ld+24(FP), R8
	SHLQ $2, R8
	MOVQ rows+32(FP), R9
	MOVQ n+40(FP), R10
	LEAQ (R8)(R8*2), R12 // 3 rows
	// Four rows at a time: four accumulators, then one horizontal
	// reduction for all four (three VHADDPS and a lane add) instead of one
	// per row.
row4:
	CMPQ R9, $4
	JL row
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	MOVQ SI, AX
	MOVQ DI, BX
	MOVQ R10, CX
loop4:
	VMOVUPS (AX), Y4
	VFMADD231PS (BX), Y4, Y0
	VFMADD231PS (BX)(R8*1), Y4, Y1
	VFMADD231PS (BX)(R8*2), Y4, Y2
	VFMADD231PS (BX)(R12*1), Y4, Y3
	ADDQ $32, AX
	ADDQ $32, BX
	SUBQ $8, CX
	JNZ loop4
	VHADDPS Y1, Y0, Y0 // per lane: r0 01, r0 23, r1 01, r1 23
	VHADDPS Y3, Y2, Y2 // per lane: r2 01, r2 23, r3 01, r3 23
	VHADDPS Y2, Y0, Y0 // per lane: r0, r1, r2, r3
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VMOVUPS X0, (DX)
	ADDQ $16, DX
	LEAQ (DI)(R8*4), DI
	SUBQ $4, R9
	JMP row4
row:
	TESTQ R9, R9
	JZ done
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	MOVQ SI, AX
	MOVQ DI, BX
	MOVQ R10, CX
loop16:
	CMPQ CX, $16
	JL loop8
	VMOVUPS (AX), Y2
	VMOVUPS 32(AX), Y3
	VFMADD231PS (BX), Y2, Y0
	VFMADD231PS 32(BX), Y3, Y1
	ADDQ $64, AX
	ADDQ $64, BX
	SUBQ $16, CX
	JMP loop16
loop8:
	TESTQ CX, CX
	JZ reduce
	VMOVUPS (AX), Y2
	VFMADD231PS (BX), Y2, Y0
reduce:
	VADDPS Y1, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	VMOVSS X0, (DX)
	ADDQ $4, DX
	ADDQ R8, DI
	DECQ R9
	JMP row
done:
	VZEROUPPER
	RET

// func axpyRowsAVX2(y, a, x *float32, ld, rows, n int)
// y[:n] += Σ a[j]·x[j*ld : j*ld+n] for j < rows; n a positive multiple
// of 8. y is held in registers, 32 floats at a time, across the rows.
TEXT ·axpyRowsAVX2(SB), NOSPLIT, $0-48
	MOVQ y+0(FP), DI
	MOVQ a+8(FP), DX
	MOVQ x+16(FP), SI
	MOVQ ld+24(FP), R8
	SHLQ $2, R8
	MOVQ rows+32(FP), R9
	MOVQ n+40(FP), CX
blk32:
	CMPQ CX, $32
	JL blk8
	VMOVUPS (DI), Y0
	VMOVUPS 32(DI), Y1
	VMOVUPS 64(DI), Y2
	VMOVUPS 96(DI), Y3
	MOVQ SI, AX
	MOVQ DX, BX
	MOVQ R9, R10
r32:
	TESTQ R10, R10
	JZ st32
	VBROADCASTSS (BX), Y4
	VFMADD231PS (AX), Y4, Y0
	VFMADD231PS 32(AX), Y4, Y1
	VFMADD231PS 64(AX), Y4, Y2
	VFMADD231PS 96(AX), Y4, Y3
	ADDQ $4, BX
	ADDQ R8, AX
	DECQ R10
	JMP r32
st32:
	VMOVUPS Y0, (DI)
	VMOVUPS Y1, 32(DI)
	VMOVUPS Y2, 64(DI)
	VMOVUPS Y3, 96(DI)
	ADDQ $128, DI
	ADDQ $128, SI
	SUBQ $32, CX
	JMP blk32
blk8:
	TESTQ CX, CX
	JZ done
	VMOVUPS (DI), Y0
	MOVQ SI, AX
	MOVQ DX, BX
	MOVQ R9, R10
r8:
	TESTQ R10, R10
	JZ st8
	VBROADCASTSS (BX), Y4
	VFMADD231PS (AX), Y4, Y0
	ADDQ $4, BX
	ADDQ R8, AX
	DECQ R10
	JMP r8
st8:
	VMOVUPS Y0, (DI)
	ADDQ $32, DI
	ADDQ $32, SI
	SUBQ $8, CX
	JMP blk8
done:
	VZEROUPPER
	RET
