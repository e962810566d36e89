//go:build ignore

// realphotos_cmp compares the pixels of each scrubbed photo with its
// input, for bench/realphotos.sh: for each line "in<TAB>out<TAB>o" on
// stdin (o the EXIF orientation Scrub applied, 1 for none), it decodes both
// with Go's image/jpeg, image/png and x/image/webp, maps each output pixel
// to its input pixel for orientation o (CIPA DC-008 tag 0x0112) and prints
// "in<TAB>ok<TAB>max M mean A oO" (M, A: the largest and the mean absolute
// difference of R, G, B and A on a 0-255 scale), or "in<TAB>size<TAB>..."
// or "in<TAB>indecode|outdecode<TAB>error".
//
//	go run bench/realphotos_cmp.go < pairs.tsv
package main

import (
	"bufio"
	"fmt"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"strconv"
	"strings"

	_ "golang.org/x/image/webp"
)

func decode(p string) (image.Image, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	return img, err
}

func src(dx, dy, w, h, o int) (int, int) {
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

func main() {
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		o, _ := strconv.Atoi(f[2])
		if o < 1 || o > 8 {
			o = 1
		}
		a, err := decode(f[0])
		if err != nil {
			fmt.Printf("%s\tindecode\t%v\n", f[0], err)
			continue
		}
		b, err := decode(f[1])
		if err != nil {
			fmt.Printf("%s\toutdecode\t%v\n", f[0], err)
			continue
		}
		w, h := a.Bounds().Dx(), a.Bounds().Dy()
		ow, oh := w, h
		if o >= 5 {
			ow, oh = h, w
		}
		if b.Bounds().Dx() != ow || b.Bounds().Dy() != oh {
			fmt.Printf("%s\tsize\tin %dx%d o%d out %dx%d\n", f[0], w, h, o, b.Bounds().Dx(), b.Bounds().Dy())
			continue
		}
		var maxd, sum float64
		n := 0
		for y := 0; y < oh; y++ {
			for x := 0; x < ow; x++ {
				sx, sy := src(x, y, w, h, o)
				r1, g1, b1, a1 := a.At(a.Bounds().Min.X+sx, a.Bounds().Min.Y+sy).RGBA()
				r2, g2, b2, a2 := b.At(b.Bounds().Min.X+x, b.Bounds().Min.Y+y).RGBA()
				for _, d := range []float64{abs(r1, r2), abs(g1, g2), abs(b1, b2), abs(a1, a2)} {
					d /= 257
					sum += d
					n++
					if d > maxd {
						maxd = d
					}
				}
			}
		}
		fmt.Printf("%s\tok\tmax %.0f mean %.3f o%d\n", f[0], maxd, sum/float64(n), o)
	}
}

func abs(a, b uint32) float64 {
	if a > b {
		return float64(a - b)
	}
	return float64(b - a)
}
