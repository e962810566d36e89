//go:build deps

// Package deps pins, for go mod tidy, the modules that Storyguard's packages
// are being built on while they are written in parallel. It is never compiled
// (the deps build tag is never set) and is removed once every module here is
// imported by a real package.
package deps

import (
	_ "filippo.io/age"
	_ "github.com/chromedp/chromedp"
	_ "github.com/gohugoio/hugo/commands"
	_ "github.com/minio/minio-go/v7"
	_ "github.com/schollz/progressbar/v3"
	_ "github.com/versity/versitygw/backend/posix"
	_ "github.com/versity/versitygw/embedgw"
	_ "github.com/yuin/goldmark"
	_ "golang.org/x/image/draw"
	_ "golang.org/x/sync/errgroup"
	_ "golang.org/x/text/unicode/norm"
)
