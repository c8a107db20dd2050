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

// func dotRowsHeadsAVX512(s *float32, sld int, x, y *float32, ld, rows, nh, hs int)
// s[h*sld + j] = x[h*hs : (h+1)*hs] · y[j*ld + h*hs : j*ld + (h+1)*hs] for
// h < nh, j < rows; hs a positive multiple of 16, nh > 0, rows > 0. Four
// rows at a time, every head of them, so that y is read in order.
TEXT ·dotRowsHeadsAVX512(SB), NOSPLIT, $8-64
	MOVQ s+0(FP), DX
	MOVQ sld+8(FP), R13
	SHLQ $2, R13
	MOVQ x+16(FP), SI
	MOVQ y+24(FP), DI
	MOVQ ld+32(FP), R8
	SHLQ $2, R8
	MOVQ rows+40(FP), R9
	MOVQ hs+56(FP), R10
	MOVQ nh+48(FP), R11
	IMULQ R10, R11
	LEAQ (SI)(R11*4), R11 // end of x
	LEAQ (R8)(R8*2), R12  // 3 rows
hrow4:
	CMPQ R9, $4
	JL hrow
	MOVQ DX, sj-8(SP)
	MOVQ SI, AX
	MOVQ DI, BX
hhead4:
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	MOVQ R10, CX
hloop4:
	VMOVUPS (AX), Z4
	VFMADD231PS (BX), Z4, Z0
	VFMADD231PS (BX)(R8*1), Z4, Z1
	VFMADD231PS (BX)(R8*2), Z4, Z2
	VFMADD231PS (BX)(R12*1), Z4, Z3
	ADDQ $64, AX
	ADDQ $64, BX
	SUBQ $16, CX
	JNZ hloop4
	VEXTRACTF32X8 $1, Z0, Y5
	VADDPS Y5, Y0, Y0
	VEXTRACTF32X8 $1, Z1, Y5
	VADDPS Y5, Y1, Y1
	VEXTRACTF32X8 $1, Z2, Y5
	VADDPS Y5, Y2, Y2
	VEXTRACTF32X8 $1, Z3, Y5
	VADDPS Y5, Y3, Y3
	VHADDPS Y1, Y0, Y0
	VHADDPS Y3, Y2, Y2
	VHADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VMOVUPS X0, (DX)
	ADDQ R13, DX
	CMPQ AX, R11
	JB hhead4
	MOVQ sj-8(SP), DX
	ADDQ $16, DX
	LEAQ (DI)(R8*4), DI
	SUBQ $4, R9
	JMP hrow4
hrow:
	TESTQ R9, R9
	JZ hdone
	MOVQ DX, sj-8(SP)
	MOVQ SI, AX
	MOVQ DI, BX
hhead1:
	VPXORD Z0, Z0, Z0
	MOVQ R10, CX
hloop1:
	VMOVUPS (AX), Z4
	VFMADD231PS (BX), Z4, Z0
	ADDQ $64, AX
	ADDQ $64, BX
	SUBQ $16, CX
	JNZ hloop1
	VEXTRACTF32X8 $1, Z0, Y5
	VADDPS Y5, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0
	VMOVSS X0, (DX)
	ADDQ R13, DX
	CMPQ AX, R11
	JB hhead1
	MOVQ sj-8(SP), DX
	ADDQ $4, DX
	ADDQ R8, DI
	DECQ R9
	JMP hrow
hdone:
	VZEROUPPER
	RET

// func axpyRowsHeadsAVX512(y *float32, hs int, a *float32, ald int, x *float32, ld, rows, nh int)
// y[h*hs + d] += Σ_j a[h*ald + j] · x[j*ld + h*hs + d] for h < nh, d < hs,
// j < rows; hs a positive multiple of 16, nh > 0, rows > 0. Four rows at a
// time, every head of them, so that x is read in order; y is updated in
// place (it stays in L1).
TEXT ·axpyRowsHeadsAVX512(SB), NOSPLIT, $8-64
	MOVQ y+0(FP), AX
	MOVQ AX, ybase-8(SP)
	MOVQ hs+8(FP), R10
	MOVQ a+16(FP), DX
	MOVQ ald+24(FP), R13
	SHLQ $2, R13
	MOVQ x+32(FP), SI
	MOVQ ld+40(FP), R8
	SHLQ $2, R8
	MOVQ rows+48(FP), R9
	MOVQ nh+56(FP), R11
	IMULQ R10, R11
	LEAQ (AX)(R11*4), R11 // end of y
	LEAQ (R8)(R8*2), R12  // 3 rows
arow4:
	CMPQ R9, $4
	JL arow
	MOVQ ybase-8(SP), AX
	MOVQ DX, BX
	MOVQ SI, CX
ahead4:
	VBROADCASTSS (BX), Z4
	VBROADCASTSS 4(BX), Z5
	VBROADCASTSS 8(BX), Z6
	VBROADCASTSS 12(BX), Z7
	MOVQ R10, DI
aloop4:
	VMOVUPS (AX), Z0
	VFMADD231PS (CX), Z4, Z0
	VFMADD231PS (CX)(R8*1), Z5, Z0
	VFMADD231PS (CX)(R8*2), Z6, Z0
	VFMADD231PS (CX)(R12*1), Z7, Z0
	VMOVUPS Z0, (AX)
	ADDQ $64, AX
	ADDQ $64, CX
	SUBQ $16, DI
	JNZ aloop4
	ADDQ R13, BX
	CMPQ AX, R11
	JB ahead4
	ADDQ $16, DX
	LEAQ (SI)(R8*4), SI
	SUBQ $4, R9
	JMP arow4
arow:
	TESTQ R9, R9
	JZ adone
	MOVQ ybase-8(SP), AX
	MOVQ DX, BX
	MOVQ SI, CX
ahead1:
	VBROADCASTSS (BX), Z4
	MOVQ R10, DI
aloop1:
	VMOVUPS (AX), Z0
	VFMADD231PS (CX), Z4, Z0
	VMOVUPS Z0, (AX)
	ADDQ $64, AX
	ADDQ $64, CX
	SUBQ $16, DI
	JNZ aloop1
	ADDQ R13, BX
	CMPQ AX, R11
	JB ahead1
	ADDQ $4, DX
	ADDQ R8, SI
	DECQ R9
	JMP arow
adone:
	VZEROUPPER
	RET
