package media

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
	"testing/iotest"
)

// TestHandoff checks the coroutine pipe under ScrubVerify: the consumer
// reads exactly the bytes written to w, in order, whatever its read size;
// it sees the producer's error after the last block; and when it stops
// early the producer still writes everything to w.
func TestHandoff(t *testing.T) {
	var blocks [][]byte
	var all []byte
	for i := range 10 {
		b := bytes.Repeat([]byte{byte('a' + i)}, 1000*i) // includes an empty block
		blocks = append(blocks, b)
		all = append(all, b...)
	}
	errProduce := errors.New("producer failed")
	errConsume := errors.New("consumer stopped")
	tests := []struct {
		name      string
		failAfter int // the producer fails after this many blocks; -1 never
		consume   func(io.Reader) ([]byte, error)
		wantRead  []byte
		wantCErr  error
		wantPErr  error
	}{
		{"read all", -1, io.ReadAll, all, nil, nil},
		{"one byte at a time", -1, func(r io.Reader) ([]byte, error) { return io.ReadAll(iotest.OneByteReader(r)) }, all, nil, nil},
		{"producer fails", 5, io.ReadAll, all[:1000*(0+1+2+3+4)], errProduce, errProduce},
		{"consumer stops early", -1, func(r io.Reader) ([]byte, error) {
			b := make([]byte, 1500)
			n, err := io.ReadFull(r, b)
			if err != nil {
				return nil, err
			}
			return b[:n], errConsume
		}, all[:1500], errConsume, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var w bytes.Buffer
			var read []byte
			perr, cerr := handoff(&w, func(w io.Writer) error {
				for i, b := range blocks {
					if i == tt.failAfter {
						return errProduce
					}
					if _, err := w.Write(b); err != nil {
						return err
					}
				}
				return nil
			}, func(r io.Reader) error {
				var err error
				read, err = tt.consume(r)
				return err
			})
			wantW := all
			if tt.failAfter >= 0 {
				wantW = tt.wantRead
			}
			if !bytes.Equal(read, tt.wantRead) || !bytes.Equal(w.Bytes(), wantW) {
				t.Errorf("read %d bytes, w got %d; want %d and %d", len(read), w.Len(), len(tt.wantRead), len(wantW))
			}
			if !errors.Is(cerr, tt.wantCErr) || !errors.Is(perr, tt.wantPErr) {
				t.Errorf("errors: consumer %v, producer %v; want %v, %v", cerr, perr, tt.wantCErr, tt.wantPErr)
			}
		})
	}
}

// failWriter fails once more than n bytes have been written.
type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		return 0, fmt.Errorf("disk full")
	}
	f.n -= len(p)
	return len(p), nil
}

// TestHandoffWriterErrors: a failing or short destination writer stops the
// producer, and the consumer never sees a block that did not reach w.
func TestHandoffWriterErrors(t *testing.T) {
	var seen int
	perr, cerr := handoff(&failWriter{n: 2500}, func(w io.Writer) error {
		for range 5 {
			if _, err := w.Write(make([]byte, 1000)); err != nil {
				return err
			}
		}
		return nil
	}, func(r io.Reader) error {
		b, err := io.ReadAll(r)
		seen = len(b)
		return err
	})
	if perr == nil || cerr == nil || seen != 2000 {
		t.Errorf("producer %v, consumer %v after %d bytes; want both failed after 2000", perr, cerr, seen)
	}
}
