#include "textflag.h"

// Both searches examine 64 bytes per step, with no branch inside a step
// but the one that ends the loop: a branch on every candidate would be
// mispredicted for a fifth of the steps over JPEG data, and cost more than
// the vector work.

// func ffMarkerAVX2(b []byte) (hit, done int)
// Hit: b[i] == 0xFF && b[i+1] != 0x00 && (b[i+1] & 0xF8) != 0xD0.
TEXT ·ffMarkerAVX2(SB), NOSPLIT, $0-40
	MOVQ b_base+0(FP), SI
	MOVQ b_len+8(FP), BX
	SUBQ $64, BX            // steps run while AX < len-64, i.e. AX+65 <= len
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
	VMOVDQU  32(SI)(AX*1), Y8
	VMOVDQU  33(SI)(AX*1), Y9
	VPCMPEQB Y15, Y0, Y2    // byte == 0xFF
	VPCMPEQB Y14, Y1, Y3    // next == 0x00
	VPAND    Y13, Y1, Y4
	VPCMPEQB Y12, Y4, Y4    // next is RSTn
	VPOR     Y3, Y4, Y3
	VPANDN   Y2, Y3, Y2     // 0xFF and not (stuffed or RSTn)
	VPCMPEQB Y15, Y8, Y10
	VPCMPEQB Y14, Y9, Y11
	VPAND    Y13, Y9, Y4
	VPCMPEQB Y12, Y4, Y4
	VPOR     Y11, Y4, Y11
	VPANDN   Y10, Y11, Y10
	VPOR     Y2, Y10, Y11
	VPTEST   Y11, Y11
	JNZ      fffound
	ADDQ     $64, AX
	CMPQ     AX, BX
	JL       ffloop
ffnone:
	VZEROUPPER
	MOVQ $-1, hit+24(FP)
	MOVQ AX, done+32(FP)
	RET
fffound:
	VPMOVMSKB Y2, CX
	VPMOVMSKB Y10, DX
	VZEROUPPER
	SHLQ $32, DX
	ORQ  DX, CX
	BSFQ CX, CX
	ADDQ CX, AX
	MOVQ AX, hit+24(FP)
	MOVQ $0, done+32(FP)
	RET

// func anchorAVX2(b []byte, anchor byte, nibbles *[32]byte) (hit, done int)
// Hit: b[i] == anchor && nibbles[b[i+1]&15] & nibbles[16+b[i+1]>>4] != 0
// (a byte-set membership test by two table look-ups, VPSHUFB).
TEXT ·anchorAVX2(SB), NOSPLIT, $0-56
	MOVQ b_base+0(FP), SI
	MOVQ b_len+8(FP), BX
	SUBQ $64, BX
	XORQ AX, AX
	MOVBLZX anchor+24(FP), DX
	VMOVD   DX, X15
	VPBROADCASTB X15, Y15   // the anchor
	MOVQ nibbles+32(FP), DI
	VBROADCASTI128 0(DI), Y4  // low-nibble table, in both lanes
	VBROADCASTI128 16(DI), Y5 // high-nibble table
	MOVL $0x0F, DX
	VMOVD DX, X6
	VPBROADCASTB X6, Y6     // 0x0F
	VPXOR Y14, Y14, Y14     // 0x00
	CMPQ AX, BX
	JGE  anone
aloop:
	VMOVDQU  (SI)(AX*1), Y0
	VMOVDQU  1(SI)(AX*1), Y1
	VMOVDQU  32(SI)(AX*1), Y8
	VMOVDQU  33(SI)(AX*1), Y9
	VPSRLW   $4, Y1, Y2
	VPAND    Y6, Y2, Y2     // high nibbles of the next bytes
	VPAND    Y6, Y1, Y3     // low nibbles
	VPSHUFB  Y3, Y4, Y3
	VPSHUFB  Y2, Y5, Y2
	VPAND    Y3, Y2, Y2     // non-zero where the next byte is in the set
	VPCMPEQB Y14, Y2, Y2    // 0xFF where it is not
	VPCMPEQB Y15, Y0, Y7    // byte == anchor
	VPANDN   Y7, Y2, Y7     // anchor followed by a byte of the set
	VPSRLW   $4, Y9, Y10
	VPAND    Y6, Y10, Y10
	VPAND    Y6, Y9, Y11
	VPSHUFB  Y11, Y4, Y11
	VPSHUFB  Y10, Y5, Y10
	VPAND    Y11, Y10, Y10
	VPCMPEQB Y14, Y10, Y10
	VPCMPEQB Y15, Y8, Y12
	VPANDN   Y12, Y10, Y12
	VPOR     Y7, Y12, Y13
	VPTEST   Y13, Y13
	JNZ      afound
	ADDQ     $64, AX
	CMPQ     AX, BX
	JL       aloop
anone:
	VZEROUPPER
	MOVQ $-1, hit+40(FP)
	MOVQ AX, done+48(FP)
	RET
afound:
	VPMOVMSKB Y7, CX
	VPMOVMSKB Y12, DX
	VZEROUPPER
	SHLQ $32, DX
	ORQ  DX, CX
	BSFQ CX, CX
	ADDQ CX, AX
	MOVQ AX, hit+40(FP)
	MOVQ $0, done+48(FP)
	RET
