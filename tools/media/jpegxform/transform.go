package jpegxform

import "fmt"

// Perfect reports whether orientation o (1-8, CIPA DC-008 tag 0x0112) can
// be applied to img without moving a partial edge MCU, following jpegtran
// -perfect (libjpeg transupp.c, jtransform_perfect_transform): 2 needs the
// width to be a multiple of the MCU width, 4 the height a multiple of the
// MCU height, 3 and 7 both, 6 the height, 8 the width; 1 and 5 always
// pass. The MCU is 8x8 pixels for one component, else 8*Hmax x 8*Vmax.
func (img *Image) Perfect(o int) bool {
	mw, mh := img.mcuSize()
	wOK, hOK := img.Width%mw == 0, img.Height%mh == 0
	switch o {
	case 2, 8:
		return wOK
	case 4, 6:
		return hOK
	case 3, 7:
		return wOK && hOK
	}
	return true
}

// Transform returns img displayed in EXIF orientation o (1-8; see the
// package doc): the coefficient blocks moved and sign-flipped or
// transposed, and for 5-8 the quantisation tables transposed and the
// sampling factors and dimensions swapped. img is left unchanged. It fails
// with ErrNotPerfect when Perfect(o) is false, and with an error for an
// orientation outside 1-8.
func (img *Image) Transform(o int) (*Image, error) {
	if o < 1 || o > 8 {
		return nil, fmt.Errorf("orientation %d: not 1-8", o)
	}
	if !img.Perfect(o) {
		mw, mh := img.mcuSize()
		return nil, fmt.Errorf("orientation %d of %dx%d with %dx%d MCUs: %w", o, img.Width, img.Height, mw, mh, ErrNotPerfect)
	}
	swap := o >= 5
	out := &Image{Width: img.Width, Height: img.Height, Progressive: img.Progressive}
	if swap {
		out.Width, out.Height = img.Height, img.Width
	}
	// Within a block: dst[v][u] = sign * src[v][u] or src[u][v]; a mirror
	// of the pixel columns negates odd u, of the rows odd v (T.81 A.3.3:
	// the DCT basis cos((2x+1)u*pi/16) is even in x about the block centre
	// for even u and odd for odd u).
	var negU, negV bool
	switch o {
	case 2:
		negU = true
	case 3, 7:
		negU, negV = true, true
	case 4:
		negV = true
	case 6:
		negU = true
	case 8:
		negV = true
	}
	var perm [64]uint8
	var sign [64]int16
	for v := range 8 {
		for u := range 8 {
			i := v*8 + u
			perm[i] = uint8(i)
			if swap {
				perm[i] = uint8(u*8 + v)
			}
			sign[i] = 1
			if (negU && u&1 == 1) != (negV && v&1 == 1) {
				sign[i] = -1
			}
		}
	}
	out.Components = make([]Component, len(img.Components))
	for ci, c := range img.Components {
		oc := Component{ID: c.ID, H: c.H, V: c.V, BlocksWide: c.BlocksWide, BlocksHigh: c.BlocksHigh}
		if swap {
			oc.H, oc.V = c.V, c.H
			oc.BlocksWide, oc.BlocksHigh = c.BlocksHigh, c.BlocksWide
		}
		for i := range 64 {
			oc.Quant[i] = c.Quant[perm[i]]
		}
		oc.Blocks = make([]Block, len(c.Blocks))
		for by := range oc.BlocksHigh {
			for bx := range oc.BlocksWide {
				sx, sy := SourceCoord(bx, by, c.BlocksWide, c.BlocksHigh, o)
				src := &c.Blocks[sy*c.BlocksWide+sx]
				dst := &oc.Blocks[by*oc.BlocksWide+bx]
				for i := range 64 {
					dst[i] = sign[i] * src[perm[i]]
				}
			}
		}
		out.Components[ci] = oc
	}
	return out, nil
}

// SourceCoord maps a destination position (dx, dy) to its source position
// for EXIF orientation o (CIPA DC-008 tag 0x0112, 1-8) of a w x h source
// grid: pixels, or blocks of 8x8 coefficients. Orientations 5-8 swap the
// axes, so the destination is h x w. Any other o maps a position to
// itself. It is the one definition of the mapping: package media turns
// decoded pixels with it too.
func SourceCoord(dx, dy, w, h, o int) (int, int) {
	switch o {
	case 2:
		return w - 1 - dx, dy
	case 3:
		return w - 1 - dx, h - 1 - dy
	case 4:
		return dx, h - 1 - dy
	case 5:
		return dy, dx
	case 6:
		return dy, h - 1 - dx
	case 7:
		return w - 1 - dy, h - 1 - dx
	case 8:
		return w - 1 - dy, dx
	}
	return dx, dy
}
