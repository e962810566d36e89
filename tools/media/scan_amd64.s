#include "textflag.h"

// func ffMarkerAVX2(b []byte) (hit, done int)
// Hit: b[i] == 0xFF && b[i+1] != 0x00 && (b[i+1] & 0xF8) != 0xD0.
TEXT ·ffMarkerAVX2(SB), NOSPLIT, $0-40
	MOVQ b_base+0(FP), SI
	MOVQ b_len+8(FP), BX
	SUBQ $32, BX            // the loop runs while AX < len-32, i.e. AX+33 <= len
	XORQ AX, AX
	VPCMPEQB Y15, Y15, Y15  // 0xFF in every byte
	VPXOR    Y14, Y14, Y14  // 0x00
	MOVL     $0xF8, DX
	VMOVD    DX, X13
	VPBROADCASTB X13, Y13   // 0xF8
	MOVL     $0xD0, DX
	VMOVD    DX, X12
	VPBROADCASTB X12, Y12   // 0xD0
	CMPQ AX, BX
	JGE  ffnone
ffloop:
	VMOVDQU  (SI)(AX*1), Y0
	VMOVDQU  1(SI)(AX*1), Y1
	VPCMPEQB Y15, Y0, Y2    // byte == 0xFF
	VPCMPEQB Y14, Y1, Y3    // next == 0x00
	VPAND    Y13, Y1, Y4
	VPCMPEQB Y12, Y4, Y4    // next is RSTn
	VPOR     Y3, Y4, Y3
	VPANDN   Y2, Y3, Y2     // 0xFF and not (stuffed or RSTn)
	VPMOVMSKB Y2, CX
	TESTL    CX, CX
	JNZ      fffound
	ADDQ     $32, AX
	CMPQ     AX, BX
	JL       ffloop
ffnone:
	VZEROUPPER
	MOVQ $-1, hit+24(FP)
	MOVQ AX, done+32(FP)
	RET
fffound:
	VZEROUPPER
	BSFL CX, CX
	ADDQ CX, AX
	MOVQ AX, hit+24(FP)
	MOVQ $0, done+32(FP)
	RET

// func anchorAVX2(b []byte, anchor byte, next *[8]byte) (hit, done int)
// Hit: b[i] == anchor && b[i+1] is one of next[0..7].
TEXT ·anchorAVX2(SB), NOSPLIT, $0-56
	MOVQ b_base+0(FP), SI
	MOVQ b_len+8(FP), BX
	SUBQ $32, BX
	XORQ AX, AX
	MOVBLZX anchor+24(FP), DX
	VMOVD   DX, X15
	VPBROADCASTB X15, Y15
	MOVQ next+32(FP), DI
	VPBROADCASTB 0(DI), Y4
	VPBROADCASTB 1(DI), Y5
	VPBROADCASTB 2(DI), Y6
	VPBROADCASTB 3(DI), Y7
	VPBROADCASTB 4(DI), Y8
	VPBROADCASTB 5(DI), Y9
	VPBROADCASTB 6(DI), Y10
	VPBROADCASTB 7(DI), Y11
	CMPQ AX, BX
	JGE  anone
aloop:
	VMOVDQU  (SI)(AX*1), Y0
	VPCMPEQB Y15, Y0, Y2    // byte == anchor
	VPMOVMSKB Y2, CX
	TESTL    CX, CX
	JZ       anext          // no anchor in these 32 bytes: skip the next-byte test
	VMOVDQU  1(SI)(AX*1), Y1
	VPCMPEQB Y4, Y1, Y3
	VPCMPEQB Y5, Y1, Y12
	VPOR     Y12, Y3, Y3
	VPCMPEQB Y6, Y1, Y12
	VPOR     Y12, Y3, Y3
	VPCMPEQB Y7, Y1, Y12
	VPOR     Y12, Y3, Y3
	VPCMPEQB Y8, Y1, Y12
	VPOR     Y12, Y3, Y3
	VPCMPEQB Y9, Y1, Y12
	VPOR     Y12, Y3, Y3
	VPCMPEQB Y10, Y1, Y12
	VPOR     Y12, Y3, Y3
	VPCMPEQB Y11, Y1, Y12
	VPOR     Y12, Y3, Y3
	VPAND    Y3, Y2, Y2
	VPMOVMSKB Y2, CX
	TESTL    CX, CX
	JNZ      afound
anext:
	ADDQ     $32, AX
	CMPQ     AX, BX
	JL       aloop
anone:
	VZEROUPPER
	MOVQ $-1, hit+40(FP)
	MOVQ AX, done+48(FP)
	RET
afound:
	VZEROUPPER
	BSFL CX, CX
	ADDQ CX, AX
	MOVQ AX, hit+40(FP)
	MOVQ $0, done+48(FP)
	RET
