package media

import (
	"image"
	"image/draw"

	"storyguard/tools/media/jpegxform"
)

// orient applies EXIF orientation o (CIPA DC-008 Exif 2.32, tag 0x0112:
// 1 normal, 2 mirror horizontal, 3 rotate 180, 4 mirror vertical,
// 5 transpose, 6 rotate 90 clockwise, 7 transverse, 8 rotate 90
// counter-clockwise) so that the result displays as intended without it.
func orient(img image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	switch src := img.(type) {
	case *image.YCbCr:
		if src.Rect.Min == (image.Point{}) {
			if r, ok := orientYCbCr(src, o); ok {
				return r
			}
		}
	case *image.Gray:
		if src.Rect.Min == (image.Point{}) {
			w, h := src.Rect.Dx(), src.Rect.Dy()
			pix, stride, dw, dh := orientPlane(src.Pix, src.Stride, w, h, o)
			return &image.Gray{Pix: pix, Stride: stride, Rect: image.Rect(0, 0, dw, dh)}
		}
	}
	// Generic path: convert to RGBA, then transform the 4-byte pixels.
	b := img.Bounds()
	rgba := image.NewRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(rgba, rgba.Rect, img, b.Min, draw.Src)
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for dy := 0; dy < dh; dy++ {
		for dx := 0; dx < dw; dx++ {
			sx, sy := jpegxform.SourceCoord(dx, dy, w, h, o)
			si := sy*rgba.Stride + 4*sx
			di := dy*dst.Stride + 4*dx
			copy(dst.Pix[di:di+4], rgba.Pix[si:si+4])
		}
	}
	return dst
}

// orientPlane transforms one 8-bit plane.
func orientPlane(pix []byte, stride, w, h, o int) ([]byte, int, int, int) {
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := make([]byte, dw*dh)
	for dy := 0; dy < dh; dy++ {
		row := dst[dy*dw : dy*dw+dw]
		for dx := range row {
			sx, sy := jpegxform.SourceCoord(dx, dy, w, h, o)
			row[dx] = pix[sy*stride+sx]
		}
	}
	return dst, dw, dw, dh
}

func orientYCbCr(src *image.YCbCr, o int) (*image.YCbCr, bool) {
	ratio := src.SubsampleRatio
	if o >= 5 {
		switch ratio {
		case image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio420:
		case image.YCbCrSubsampleRatio422:
			ratio = image.YCbCrSubsampleRatio440
		case image.YCbCrSubsampleRatio440:
			ratio = image.YCbCrSubsampleRatio422
		default:
			return nil, false
		}
	}
	w, h := src.Rect.Dx(), src.Rect.Dy()
	cw, ch := chromaSize(src.SubsampleRatio, w, h)
	y, ys, dw, dh := orientPlane(src.Y, src.YStride, w, h, o)
	cb, cs, _, _ := orientPlane(src.Cb, src.CStride, cw, ch, o)
	cr, _, _, _ := orientPlane(src.Cr, src.CStride, cw, ch, o)
	return &image.YCbCr{Y: y, Cb: cb, Cr: cr, YStride: ys, CStride: cs, SubsampleRatio: ratio, Rect: image.Rect(0, 0, dw, dh)}, true
}

func chromaSize(r image.YCbCrSubsampleRatio, w, h int) (int, int) {
	switch r {
	case image.YCbCrSubsampleRatio422:
		return (w + 1) / 2, h
	case image.YCbCrSubsampleRatio420:
		return (w + 1) / 2, (h + 1) / 2
	case image.YCbCrSubsampleRatio440:
		return w, (h + 1) / 2
	}
	return w, h
}
