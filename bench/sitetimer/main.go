// Command sitetimer runs one command of bench/site.sh and measures it from
// the outside: its wall time, its peak memory and, with -poll, when each of
// a story's public URLs stopped answering (time-to-gone).
//
//	sitetimer -label noop -- storyguard publish ...
//	sitetimer -label withdraw -base http://127.0.0.1:PORT/BUCKET/ \
//	    -page site/stories/story-00000/index.html -manifest site/data/media.json -media m-00000 \
//	    -- storyguard withdraw story-00000 ...
//
// It prints one line on stdout:
//
//	label wall_ms=N maxrss_kib=N exit=N [gone URL=MS ...]
//
// wall_ms is from just before the command starts to its exit, in ms.
// maxrss_kib is the kernel's ru_maxrss of the child as wait4 returns it:
// the peak resident set of the largest single process among the command
// and the descendants it waited for (the same figure as GNU time's %M /
// /usr/bin/time -v "Maximum resident set size"), in KiB; not a sum.
//
// The poller is an independent reader: plain anonymous HTTP GETs of the
// object URLs (base + key), no credentials, no Storyguard code. Before the
// command starts, every URL must answer 200, or sitetimer exits 2 without
// running it. During the run each URL is polled in its own goroutine every
// -every (default 5 ms); "gone" is the first time, in ms from the start, a
// GET answered anything but 200 (the anonymous-read policy answers 403 or
// 404 for a missing key). A URL that answers 200 again after that, or still
// answers 200 after the command exits, is reported (flapped, still-live)
// and makes sitetimer exit 1. Keys of -media come from the manifest's
// "key" and "variants[].key" of that media id (data/media.json as
// storyguard publish writes it).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

type manifest struct {
	Media map[string]struct {
		Key      string `json:"key"`
		Variants []struct {
			Key string `json:"key"`
		} `json:"variants"`
	} `json:"media"`
}

type result struct {
	key     string
	gone    time.Duration // -1 while it answers
	flapped bool
}

func main() {
	label := flag.String("label", "run", "name printed first on the result line")
	base := flag.String("base", "", "public base URL of the bucket, ending in / (needed with -page or -media)")
	every := flag.Duration("every", 5*time.Millisecond, "pause between two GETs of one URL")
	manifestPath := flag.String("manifest", "", "data/media.json to read -media keys from")
	var pages, media list
	flag.Var(&pages, "page", "object key to poll (repeatable), e.g. site/stories/x/index.html")
	flag.Var(&media, "media", "media id whose object and variants to poll (repeatable; needs -manifest)")
	flag.Parse()
	args := flag.Args()
	if len(args) == 0 {
		fatal("no command after --")
	}
	keys := append([]string{}, pages...)
	if len(media) > 0 {
		if *manifestPath == "" {
			fatal("-media needs -manifest")
		}
		raw, err := os.ReadFile(*manifestPath)
		if err != nil {
			fatal(err.Error())
		}
		var m manifest
		if err := json.Unmarshal(raw, &m); err != nil {
			fatal(fmt.Sprintf("%s: %v", *manifestPath, err))
		}
		for _, id := range media {
			e, ok := m.Media[id]
			if !ok {
				fatal(fmt.Sprintf("%s: no media %s", *manifestPath, id))
			}
			keys = append(keys, e.Key)
			for _, v := range e.Variants {
				keys = append(keys, v.Key)
			}
		}
	}
	if len(keys) > 0 && !strings.HasSuffix(*base, "/") {
		fatal("-base must be a URL ending in /")
	}
	client := &http.Client{Timeout: 5 * time.Second}
	get := func(ctx context.Context, key string) (int, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, *base+key, nil)
		if err != nil {
			return 0, err
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	for _, k := range keys {
		if code, err := get(context.Background(), k); err != nil || code != http.StatusOK {
			fatal(fmt.Sprintf("before the run, %s answered %d (%v): nothing to time", k, code, err))
		}
	}

	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	ctx, stop := context.WithCancel(context.Background())
	results := make([]*result, len(keys))
	var wg sync.WaitGroup
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fatal(err.Error())
	}
	for i, k := range keys {
		r := &result{key: k, gone: -1}
		results[i] = r
		wg.Go(func() {
			for ctx.Err() == nil {
				code, err := get(ctx, k)
				at := time.Since(start)
				if err == nil {
					if code != http.StatusOK && r.gone < 0 {
						r.gone = at
					} else if code == http.StatusOK && r.gone >= 0 {
						r.flapped = true
					}
				}
				time.Sleep(*every)
			}
		})
	}
	werr := cmd.Wait()
	wall := time.Since(start)
	stop()
	wg.Wait()
	exit := 0
	var ee *exec.ExitError
	if errors.As(werr, &ee) {
		exit = ee.ExitCode()
	} else if werr != nil {
		fatal(werr.Error())
	}
	var rss int64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = ru.Maxrss
	}
	line := fmt.Sprintf("%s wall_ms=%d maxrss_kib=%d exit=%d", *label, wall.Milliseconds(), rss, exit)
	bad := false
	for _, r := range results {
		if code, err := get(context.Background(), r.key); err == nil && code == http.StatusOK {
			line += fmt.Sprintf(" still-live %s", r.key)
			bad = true
			continue
		}
		if r.gone < 0 { // gone only after the command ended
			r.gone = wall
		}
		line += fmt.Sprintf(" gone %s=%d", r.key, r.gone.Milliseconds())
		if r.flapped {
			line += "(flapped)"
			bad = true
		}
	}
	fmt.Println(line)
	if bad {
		os.Exit(1)
	}
}

func fatal(msg string) {
	fmt.Fprintln(os.Stderr, "sitetimer: error:", msg)
	os.Exit(2)
}
