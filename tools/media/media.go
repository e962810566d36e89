// Package media removes identifying metadata from images and proves the
// result clean.
//
// Entry points:
//
//   - Scrub copies an image from a reader to a writer, dropping every
//     metadata segment or chunk that is not on the allow-list below (and
//     JPEG tables no scan uses), and reports what it removed (names only,
//     never values). ScrubVerify runs Verify over the bytes as they are
//     written; Inspect reads an original as Scrub would, writing nothing.
//   - Verify is an independent strict parser: it accepts only the allowed
//     structure and fails on anything else, and it scans the bytes for
//     known metadata markers. It reads the image data's framing but does
//     not decode it, at close to the speed of a copy.
//   - DeepVerify is Verify plus a full decode of the image data: bytes
//     hidden after a JPEG scan's last MCU, after a PNG's zlib stream or in
//     a WebP bitstream are refused. It costs about a Huffman decode (100+
//     ms for a 12 MP photo); publishing trusts DeepVerify, never Scrub's
//     report.
//   - Variant decodes a verified image and writes a narrower rendition for
//     srcset that itself passes Verify and carries the source's profile.
//
// Supported formats: JPEG (baseline, extended sequential and progressive
// Huffman, ITU-T T.81 Annex B), PNG (ISO/IEC 15948, W3C PNG 3rd edition)
// and still WebP (RIFF container, Google "WebP Container Specification").
// Everything else (HEIC/HEIF, AVIF, GIF, TIFF, BMP, MP4/MOV, audio, PDF,
// SVG, HTML, animated WebP, arithmetic-coded or lossless JPEG) is refused
// with an *UnsupportedError naming the detected format.
//
// What survives, per format:
//
//   - JPEG: SOI, a JFIF APP0 rewritten to its 14-byte core without
//     thumbnail, an Adobe APP14 rewritten to its colour-transform byte where
//     the decoder needs it (4 components, or 3 components marked RGB), an
//     ICC profile only if its SHA-256 digest is a known standard profile
//     (KnownProfiles), DQT, DHT, DRI, SOF0/1/2, SOS and the entropy-coded
//     data byte for byte, EOI. Dropped: every other APPn (Exif, XMP,
//     Photoshop/IPTC, MPF, ...), COM, and every byte after EOI (trailers,
//     MPF second images, motion-photo video).
//   - PNG: IHDR, PLTE, IDAT, IEND and the ancillary allow-list tRNS, gAMA,
//     cHRM, sRGB, pHYs, plus iCCP only for a known standard profile (renamed
//     to a neutral profile name). Every other chunk (tEXt, zTXt, iTXt, eXIf,
//     tIME, acTL/fcTL/fdAT, private chunks) and every byte after IEND is
//     dropped. Every chunk CRC is validated.
//   - WebP: VP8/VP8L image data, ALPH, and ICCP only for a known profile;
//     EXIF, XMP and unknown chunks dropped; VP8X flags and the RIFF size
//     rewritten. Animated WebP (ANIM/ANMF) is refused.
package media

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"path/filepath"
	"strings"
	"sync"
)

// Default limits applied when an Options field is zero. 50 MiB is well above
// a full-resolution phone JPEG (typically 3-12 MB); 50 megapixels is above a
// 48 MP phone sensor and keeps a decoded RGBA frame under 200 MB, which
// bounds a decompression bomb.
const (
	DefaultMaxBytes  int64 = 50 << 20
	DefaultMaxPixels int64 = 50_000_000
)

// Options sets the safety limits of Scrub, Verify and Variant.
type Options struct {
	// MaxBytes is the largest input accepted, in bytes; 0 means
	// DefaultMaxBytes. A larger input fails with ErrTooLarge.
	MaxBytes int64
	// MaxPixels is the largest width*height accepted, in pixels; 0 means
	// DefaultMaxPixels. A larger image fails with ErrTooManyPixels before
	// any pixel is decoded.
	MaxPixels int64
	// Name is the input's file name, optional. When set, its extension must
	// name the sniffed format (".jpg"/".jpeg", ".png", ".webp", any case),
	// otherwise the call fails with an *ExtensionError naming both.
	Name string

	// inspect: read the whole structure as Scrub does but apply no
	// orientation (Inspect).
	inspect bool
}

// Inspect reads an original as Scrub would, to the end of its image data,
// without writing anything and without applying an EXIF orientation (so
// it never decodes pixels): it fails where Scrub fails on the file's
// structure (truncated, malformed, unsupported coding, over the limits, a
// name that does not match the content), in a few milliseconds for a
// phone photo. A photo that needs turning can still fail in Scrub if its
// pixels cannot be decoded. Errors are Scrub's.
func Inspect(r io.Reader, opts Options) error {
	opts.inspect = true
	_, err := scrub(r, io.Discard, opts, true)
	return err
}

func (o Options) maxBytes() int64 {
	if o.MaxBytes > 0 {
		return o.MaxBytes
	}
	return DefaultMaxBytes
}

func (o Options) maxPixels() int64 {
	if o.MaxPixels > 0 {
		return o.MaxPixels
	}
	return DefaultMaxPixels
}

// Format is a sniffed file format, named as in error messages: "jpeg",
// "png", "webp" are supported; anything else (see Sniff) is refused.
type Format string

// Supported formats.
const (
	JPEG Format = "jpeg"
	PNG  Format = "png"
	WebP Format = "webp"
)

// ContentType returns the IANA media type of a supported format, or "" for
// an unsupported one.
func (f Format) ContentType() string {
	switch f {
	case JPEG:
		return "image/jpeg"
	case PNG:
		return "image/png"
	case WebP:
		return "image/webp"
	}
	return ""
}

// Ext returns the canonical file extension of a supported format, with the
// dot (".jpg", ".png", ".webp"), or "" for an unsupported one.
func (f Format) Ext() string {
	switch f {
	case JPEG:
		return ".jpg"
	case PNG:
		return ".png"
	case WebP:
		return ".webp"
	}
	return ""
}

// Sentinel errors; test with errors.Is. Every error returned by this package
// wraps one of these or is an *UnsupportedError, *ExtensionError or
// *NeedsRotationError (ErrNeedsRotation, webp.go).
var (
	// ErrEmpty: the input has zero bytes.
	ErrEmpty = errors.New("empty file")
	// ErrTooLarge: the input exceeds Options.MaxBytes.
	ErrTooLarge = errors.New("file exceeds the size limit")
	// ErrTooManyPixels: width*height exceeds Options.MaxPixels, or a
	// dimension is zero.
	ErrTooManyPixels = errors.New("image dimensions exceed the pixel limit")
	// ErrTruncated: the input ends inside a segment, chunk or scan.
	ErrTruncated = errors.New("file is truncated")
	// ErrMalformed: the structure is invalid (bad length, bad CRC, missing
	// or misplaced mandatory part).
	ErrMalformed = errors.New("malformed image")
	// ErrUnsupportedFormat: the format is not one Storyguard can scrub. The
	// concrete error is an *UnsupportedError carrying the format.
	ErrUnsupportedFormat = errors.New("unsupported format")
	// ErrExtensionMismatch: Options.Name's extension does not match the
	// sniffed format. The concrete error is an *ExtensionError.
	ErrExtensionMismatch = errors.New("file extension does not match its content")
	// ErrNotClean: Verify found something outside the allowed structure or
	// a metadata marker.
	ErrNotClean = errors.New("not clean")
	// ErrNoVariantNeeded: Variant was asked for a width at or above the
	// image's own width; publish the original instead.
	ErrNoVariantNeeded = errors.New("image is already no wider than the variant width")
)

// UnsupportedError reports a format that is refused. Format is the sniffed
// format ("heif", "avif", "gif", "tiff", "mp4", "pdf", "svg", "html",
// "unknown", "webp (animated)", "jpeg (arithmetic)", ...). It matches
// ErrUnsupportedFormat under errors.Is.
type UnsupportedError struct {
	Format string
}

func (e *UnsupportedError) Error() string {
	if strings.HasPrefix(e.Format, "jpeg (") || strings.HasPrefix(e.Format, "png (") || strings.HasPrefix(e.Format, "webp (") {
		return "unsupported " + e.Format + ": export the photo again as an ordinary JPEG, PNG or still WebP"
	}
	return "unsupported format " + e.Format + ": only jpeg, png and still webp can be scrubbed"
}

// Is reports whether target is ErrUnsupportedFormat.
func (e *UnsupportedError) Is(target error) bool { return target == ErrUnsupportedFormat }

// ExtensionError reports a file whose extension names another format than
// its content, such as a ".jpg" that is a PNG or an HTML page. It matches
// ErrExtensionMismatch under errors.Is.
type ExtensionError struct {
	Ext    string // the extension as given, with the dot
	Format string // the sniffed format
}

func (e *ExtensionError) Error() string {
	return fmt.Sprintf("extension %q but content is %s", e.Ext, e.Format)
}

// Is reports whether target is ErrExtensionMismatch.
func (e *ExtensionError) Is(target error) bool { return target == ErrExtensionMismatch }

// Orientation handling values of Report.Orientation.
const (
	// OrientationNone: no EXIF orientation, or orientation 1 (normal); the
	// image data was copied untouched.
	OrientationNone = "none"
	// OrientationLossless: EXIF orientation 2-8 was applied in the DCT
	// domain (package jpegxform, as jpegtran -perfect does): the quantised
	// coefficients are the original's, moved, sign-flipped or transposed,
	// and re-coded with optimal Huffman tables; no pixel changed.
	OrientationLossless = "lossless"
	// OrientationReencoded: EXIF orientation 2-8 was applied by decoding,
	// transforming and re-encoding at JPEG quality 92, because a partial
	// edge MCU would have had to move (jpegxform.ErrNotPerfect) or the
	// coding is one jpegxform does not handle (jpegxform.ErrUnsupported).
	OrientationReencoded = "re-encoded"
)

// ICC handling values of Report.ICC.
const (
	ICCNone    = "none"            // the input had no ICC profile
	ICCKept    = "kept sRGB"       // a known sRGB profile was kept
	ICCKeptP3  = "kept Display P3" // a known Display P3 profile was kept
	ICCDropped = "dropped"         // a profile not on the known list was removed
)

// Report is what Scrub did. It names what was removed, never its content.
type Report struct {
	Format      Format
	ContentType string // IANA media type, "image/jpeg"
	Ext         string // canonical extension with the dot, ".jpg"
	Width       int    // pixels, after orientation
	Height      int    // pixels, after orientation
	// Orientation is OrientationNone, OrientationLossless,
	// OrientationReencoded or (PNG) OrientationPixelExact.
	Orientation string
	// Removed lists the names of removed segments or chunks, in order of
	// first appearance, each once: "APP1 Exif", "APP1 XMP", "APP13
	// Photoshop/IPTC", "APP2 MPF", "COM", "tEXt", "EXIF", "trailer after
	// EOI", ...
	Removed []string
	// ICC is ICCNone, ICCKept, ICCKeptP3 or ICCDropped.
	ICC string
}

func (r *Report) remove(name string) {
	for _, n := range r.Removed {
		if n == name {
			return
		}
	}
	r.Removed = append(r.Removed, name)
}

// Info is what Verify proved about a clean image.
type Info struct {
	Format      Format
	ContentType string // IANA media type
	Ext         string // canonical extension with the dot
	Width       int    // pixels
	Height      int    // pixels
}

// Sniff identifies a format from the first bytes of a file (at least 12
// bytes for RIFF and ISO-BMFF formats; 512 for text formats). It never looks
// at a file name. Unsupported formats are named for error messages:
// "gif", "tiff", "bmp", "ico", "heif", "avif", "mp4", "mov", "m4a", "3gp",
// "webm", "avi", "wav", "mp3", "flac", "ogg", "pdf", "svg", "html", "xml",
// "jpeg xl", "psd", "zip", "unknown".
func Sniff(head []byte) Format {
	h := head
	switch {
	case len(h) == 0:
		return "empty"
	case bytes.HasPrefix(h, []byte{0xFF, 0xD8, 0xFF}):
		return JPEG
	case bytes.HasPrefix(h, []byte("\x89PNG\r\n\x1a\n")):
		return PNG
	case len(h) >= 12 && string(h[:4]) == "RIFF":
		switch string(h[8:12]) {
		case "WEBP":
			return WebP
		case "WAVE":
			return "wav"
		case "AVI ":
			return "avi"
		}
		return "riff"
	case bytes.HasPrefix(h, []byte("GIF87a")), bytes.HasPrefix(h, []byte("GIF89a")):
		return "gif"
	case bytes.HasPrefix(h, []byte("II*\x00")), bytes.HasPrefix(h, []byte("MM\x00*")):
		return "tiff"
	case bytes.HasPrefix(h, []byte("BM")):
		return "bmp"
	case bytes.HasPrefix(h, []byte{0, 0, 1, 0}):
		return "ico"
	case bytes.HasPrefix(h, []byte("8BPS")):
		return "psd"
	case bytes.HasPrefix(h, []byte{0xFF, 0x0A}), bytes.HasPrefix(h, []byte("\x00\x00\x00\x0cJXL \r\n\x87\n")):
		return "jpeg xl"
	case len(h) >= 12 && string(h[4:8]) == "ftyp":
		brand := string(h[8:12])
		switch brand {
		case "heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1", "mif2":
			return "heif"
		case "avif", "avis":
			return "avif"
		case "qt  ":
			return "mov"
		case "M4A ", "M4B ", "M4P ", "F4A ":
			return "m4a"
		case "3gp4", "3gp5", "3gp6", "3g2a":
			return "3gp"
		case "crx ":
			return "raw (cr3)"
		}
		return "mp4"
	case bytes.HasPrefix(h, []byte{0x1A, 0x45, 0xDF, 0xA3}):
		return "webm"
	case bytes.HasPrefix(h, []byte("ID3")), len(h) >= 2 && h[0] == 0xFF && h[1]&0xE0 == 0xE0:
		return "mp3"
	case bytes.HasPrefix(h, []byte("fLaC")):
		return "flac"
	case bytes.HasPrefix(h, []byte("OggS")):
		return "ogg"
	case bytes.HasPrefix(h, []byte("%PDF-")):
		return "pdf"
	case bytes.HasPrefix(h, []byte("PK\x03\x04")):
		return "zip"
	}
	t := bytes.TrimLeft(bytes.TrimPrefix(h, []byte("\xEF\xBB\xBF")), " \t\r\n")
	lower := strings.ToLower(string(t[:min(len(t), 512)]))
	switch {
	case strings.HasPrefix(lower, "<!doctype html"), strings.HasPrefix(lower, "<html"),
		strings.HasPrefix(lower, "<head"), strings.HasPrefix(lower, "<body"), strings.HasPrefix(lower, "<script"):
		return "html"
	case strings.HasPrefix(lower, "<svg"), strings.HasPrefix(lower, "<?xml") && strings.Contains(lower, "<svg"):
		return "svg"
	case strings.HasPrefix(lower, "<?xml"), strings.HasPrefix(lower, "<!--"):
		if strings.Contains(lower, "<html") {
			return "html"
		}
		return "xml"
	}
	return "unknown"
}

// checkExt compares a file name's extension with the sniffed format.
func checkExt(name string, f Format) error {
	if name == "" {
		return nil
	}
	ext := filepath.Ext(name)
	var want Format
	switch strings.ToLower(ext) {
	case ".jpg", ".jpeg", ".jpe", ".jfif":
		want = JPEG
	case ".png":
		want = PNG
	case ".webp":
		want = WebP
	}
	if want == "" && f.ContentType() == "" {
		return nil // neither name nor content is supported: refused as unsupported
	}
	if want != f {
		return &ExtensionError{Ext: ext, Format: string(f)}
	}
	return nil
}

// limitedReader fails with ErrTooLarge once more than max bytes are read.
type limitedReader struct {
	r   io.Reader
	n   int64 // bytes read so far
	max int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n > l.max {
		return 0, ErrTooLarge
	}
	if rem := l.max + 1 - l.n; int64(len(p)) > rem {
		p = p[:rem]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > l.max {
		return n, fmt.Errorf("more than %d bytes: %w", l.max, ErrTooLarge)
	}
	return n, err
}

// bufSize is the size in bytes of the read buffer of Scrub and of Verify,
// and of Scrub's write buffer for headers and PNG chunks.
const bufSize = 128 << 10

// readers and writers recycle the buffers of finished calls: without them
// every file costs three bufSize allocations and the garbage collector runs
// every few files.
var (
	readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, bufSize) }}
	writers = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, bufSize) }}
)

// getWriter returns a buffered writer to w; give it back with putWriter
// once nothing refers to it.
func getWriter(w io.Writer) *bufio.Writer {
	bw := writers.Get().(*bufio.Writer)
	bw.Reset(w)
	return bw
}

func putWriter(bw *bufio.Writer) {
	bw.Reset(nil) // drop unflushed bytes and the destination
	writers.Put(bw)
}

// putReader gives back a reader from open once nothing refers to its
// buffer (the caller holds no slice from Peek).
func putReader(br *bufio.Reader) {
	if br != nil {
		br.Reset(nil)
		readers.Put(br)
	}
}

// open wraps r with the size limit and a buffer, sniffs the format and
// checks it against the name and the supported set. The caller gives the
// reader back with putReader.
func open(r io.Reader, opts Options) (*bufio.Reader, Format, error) {
	br := readers.Get().(*bufio.Reader)
	br.Reset(&limitedReader{r: r, max: opts.maxBytes()})
	f, err := sniffOpen(br, opts)
	if err != nil {
		putReader(br)
		return nil, f, err
	}
	return br, f, nil
}

func sniffOpen(br *bufio.Reader, opts Options) (Format, error) {
	head, err := br.Peek(512)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return "", err
	}
	if len(head) == 0 {
		return "", ErrEmpty
	}
	f := Sniff(head)
	if err := checkExt(opts.Name, f); err != nil {
		return f, err
	}
	switch f {
	case JPEG, PNG, WebP:
		return f, nil
	}
	return f, &UnsupportedError{Format: string(f)}
}

// truncated maps an unexpected end of input to ErrTruncated.
func truncated(err error, where string) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%s: %w", where, ErrTruncated)
	}
	return fmt.Errorf("%s: %w", where, err)
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), ErrMalformed)
}

func checkPixels(w, h int, opts Options) error {
	if w <= 0 || h <= 0 {
		return fmt.Errorf("dimensions %dx%d: %w", w, h, ErrTooManyPixels)
	}
	if int64(w)*int64(h) > opts.maxPixels() {
		return fmt.Errorf("dimensions %dx%d over %d pixels: %w", w, h, opts.maxPixels(), ErrTooManyPixels)
	}
	return nil
}

// Scrub copies the image in r to w without its metadata and reports what it
// removed. It sniffs the format from the magic bytes (never the name; but
// see Options.Name), enforces opts' limits, and streams: memory stays
// bounded by the header segments (each at most 64 KiB for JPEG) except for
// WebP, which is held in memory (bounded by MaxBytes), and the JPEG
// orientation path below.
//
// JPEG orientation (EXIF tag 0x0112, CIPA DC-008): orientation 1 or absent
// keeps the entropy-coded data byte for byte (Report.Orientation "none").
// Orientations 2-8 are applied losslessly where the dimensions allow
// (Report.Orientation "lossless"): the quantised DCT coefficients are
// rearranged as jpegtran -perfect does (package jpegxform) and written as
// one baseline scan with optimal Huffman tables. That needs the width
// and/or height, in the direction that is mirrored, to be a whole number
// of MCUs (8 or 16 pixels; see jpegxform.Image.Perfect), and a Huffman
// sequential or progressive 8-bit input. Otherwise the image is decoded,
// flipped or rotated and re-encoded at quality 92 (Report.Orientation
// "re-encoded"). Both hold the rest of the file in memory (bounded by
// MaxBytes) plus the image: about 2 bytes per sample of coefficients
// (lossless) or 3 bytes per pixel (re-encoded), bounded by MaxPixels.
// JFIF densities are swapped for orientations 5-8; Adobe APP14 and a kept
// ICC profile are written as on the untouched path. An orientation found
// only in the XMP packet (tiff:Orientation) is applied when Exif has no
// orientation tag (xmpOrientation). A PNG eXIf orientation 2-8 is applied
// pixel-exact (scrubPNG); a WebP EXIF orientation 2-8 is refused with
// ErrNeedsRotation.
//
// On error, whatever was written to w is incomplete and must be discarded.
// Errors wrap ErrEmpty, ErrTooLarge, ErrTooManyPixels, ErrTruncated,
// ErrMalformed, or are an *UnsupportedError or *ExtensionError. Scrub's
// report is informative only: publish only what Verify accepts.
func Scrub(r io.Reader, w io.Writer, opts Options) (Report, error) {
	return scrub(r, w, opts, true)
}

// scrub is Scrub; with scan false it leaves the marker scan of the output
// to a Verify that reads the same bytes (ScrubVerify).
func scrub(r io.Reader, w io.Writer, opts Options, scan bool) (Report, error) {
	br, f, err := open(r, opts)
	if err != nil {
		return Report{Format: f}, err
	}
	defer putReader(br)
	rep := Report{Format: f, ContentType: f.ContentType(), Ext: f.Ext(), Orientation: OrientationNone, ICC: ICCNone}
	sw := &scanWriter{w: w, off: !scan}
	switch f {
	case JPEG:
		err = scrubJPEG(br, sw, opts, &rep)
	case PNG:
		err = scrubPNG(br, sw, opts, &rep)
	case WebP:
		err = scrubWebP(br, sw, opts, &rep)
	}
	if err == nil && sw.s.found != "" {
		err = malformed("metadata marker %q left in image data", printable(sw.s.found))
	}
	if err != nil {
		return rep, fmt.Errorf("%s: %w", f, err)
	}
	return rep, nil
}

// ScrubVerify scrubs r into w and, at the same time, runs Verify over the
// very bytes written to w, so the output is proven clean without being read
// back. It returns Scrub's report and Verify's info. An error from either
// fails the call: a Verify error wraps ErrNotClean (or another Verify
// sentinel) after "scrubbed output failed verification: ". On error, w
// holds an incomplete or unclean image that must be discarded. Memory: both
// sides stream (see Scrub).
//
// Verify runs in the caller's goroutine and Scrub in a coroutine
// (iter.Pull): each block Scrub writes to w is handed to Verify's reader,
// which copies it into its own buffer before Scrub resumes. A handoff is a
// coroutine switch, not a trip through the scheduler as with io.Pipe, and
// one call uses one CPU at a time: callers get their parallelism from
// several files at once, as `storyguard media scrub` does.
func ScrubVerify(r io.Reader, w io.Writer, opts Options) (Report, Info, error) {
	var (
		rep  Report
		info Info
	)
	serr, verr := handoff(w, func(w io.Writer) error {
		var err error
		rep, err = scrub(r, w, opts, false)
		return err
	}, func(r io.Reader) error {
		var err error
		info, err = Verify(r, Options{MaxBytes: opts.MaxBytes, MaxPixels: opts.MaxPixels})
		return err
	})
	if serr != nil {
		return rep, info, serr
	}
	if verr != nil {
		return rep, info, fmt.Errorf("scrubbed output failed verification: %w", verr)
	}
	return rep, info, nil
}

// handoff runs produce in a coroutine, writing to w, and consume in the
// calling goroutine, reading every block produce writes right after it is
// written to w. consume's reader ends with produce's error, or io.EOF. If
// consume returns early, the rest of produce's output still goes to w.
func handoff(w io.Writer, produce func(io.Writer) error, consume func(io.Reader) error) (perr, cerr error) {
	next, stop := iter.Pull(func(yield func([]byte) bool) {
		perr = produce(&handoffWriter{w: w, yield: yield})
	})
	defer stop()
	hr := &handoffReader{next: next, err: &perr}
	cerr = consume(hr)
	for !hr.done {
		hr.pull()
	}
	return perr, cerr
}

// errVerifyGone is returned to the scrubber if the verifying side of
// ScrubVerify stopped pulling blocks before the scrubber finished; it
// cannot reach a caller, as ScrubVerify drains every block.
var errVerifyGone = errors.New("verifier stopped reading")

// handoffWriter writes each block to w, then yields it to the verifier and
// waits until the verifier has copied all of it.
type handoffWriter struct {
	w     io.Writer
	yield func([]byte) bool
}

func (h *handoffWriter) Write(p []byte) (int, error) {
	n, err := h.w.Write(p)
	if err != nil {
		return n, err
	}
	if n != len(p) {
		return n, io.ErrShortWrite
	}
	if len(p) > 0 && !h.yield(p) {
		return n, errVerifyGone
	}
	return n, nil
}

// handoffReader reads the blocks a handoffWriter yields. At the end of the
// blocks it returns *err (the scrubber's error), or io.EOF.
type handoffReader struct {
	next  func() ([]byte, bool)
	err   *error
	block []byte // the rest of the current block, owned by the scrubber
	done  bool
}

func (h *handoffReader) pull() {
	if b, ok := h.next(); ok {
		h.block = b
	} else {
		h.done = true
	}
}

func (h *handoffReader) Read(p []byte) (int, error) {
	for len(h.block) == 0 {
		if h.done {
			if *h.err != nil {
				return 0, *h.err
			}
			return 0, io.EOF
		}
		h.pull()
	}
	n := copy(p, h.block)
	h.block = h.block[n:]
	return n, nil
}
