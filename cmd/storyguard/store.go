package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"storyguard/tools/config"
	"storyguard/tools/store"
)

func init() { register(newStoreCmd) }

func newStoreCmd(a *app) *cobra.Command {
	c := &cobra.Command{
		Use:   "store",
		Short: "Run the local object store, or list what a store holds",
		Long: `Storyguard publishes to S3-compatible object storage. With no endpoint
configured (params.storyguard.endpoint, STORYGUARD_ENDPOINT), preview and
publish run a real S3 server over a folder (.storyguard/ by default) as a
child process on a free loopback port, and stop it when done.

` + helpExitCodes,
	}
	c.AddCommand(newStoreServeCmd(a), newStoreLsCmd(a))
	return c
}

func newStoreServeCmd(a *app) *cobra.Command {
	var gc store.GatewayConfig
	var exitWithStdin bool
	c := &cobra.Command{
		Use:   "serve",
		Short: "Serve a folder as an S3 bucket (versitygw, versioning on)",
		Long: `Serve a folder as an S3-compatible object store: versitygw v1.8.0 with its
posix backend, bucket versioning and bucket policies, exactly what preview
and publish use when no endpoint is configured.

A small organisation on one machine can run it as its only storage:

  export AWS_ACCESS_KEY_ID=sg-admin AWS_SECRET_ACCESS_KEY="$(openssl rand -hex 24)"
  storyguard store serve --dir /srv/storyguard --addr 127.0.0.1:9000 --bucket storyguard

and point Storyguard at it in config.toml:

  [params.storyguard]
  endpoint = "http://127.0.0.1:9000"
  bucket = "storyguard"

with the same two variables in the environment of storyguard publish.
Put a reverse proxy with TLS (Caddy, nginx) in front to serve the public
site from the bucket's site/ and media/ prefixes; storyguard publish sets
the bucket policy that lets anonymous readers get those objects and
nothing else (no listing).

Credentials come only from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY,
never from flags (other users can read a process's arguments). The server
listens on loopback unless --allow-remote is given, and then only plain
HTTP: never expose it to a network without a TLS proxy.

Folder layout under --dir:
  LAYOUT     format marker and metadata mode (xattr or sidecar), fixed
  LOCK       locked by the one server using the folder
  data/      the gateway root: data/<bucket>/<key> is each current object
  versions/  noncurrent versions and delete markers
  meta/      object metadata, when the filesystem lacks extended attributes

The server prints "storyguard-store-ready <url>" on stdout once it answers,
and stops cleanly on SIGINT or SIGTERM.

` + helpExitCodes,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			gc.AccessKey, gc.SecretKey = a.getenv("AWS_ACCESS_KEY_ID"), a.getenv("AWS_SECRET_ACCESS_KEY")
			if gc.AccessKey == "" || gc.SecretKey == "" {
				return withHint(errors.New("store serve: no credentials"),
					"set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment")
			}
			gc.Log = a.stderr
			return store.RunServe(cmd.Context(), gc, exitWithStdin, cmd.InOrStdin(), a.stdout)
		},
	}
	f := c.Flags()
	f.StringVar(&gc.Dir, "dir", ".storyguard", "folder to serve (created if missing)")
	f.StringVar(&gc.Addr, "addr", "127.0.0.1:9000", "listen address host:port; port 0 picks a free port")
	f.StringVar(&gc.Bucket, "bucket", "", "create this bucket with versioning enabled if it is missing")
	f.StringVar(&gc.Region, "region", "us-east-1", "region reported to clients")
	f.StringVar(&gc.Meta, "meta", store.MetaAuto, "where object metadata lives: auto, xattr or sidecar (fixed when the folder is first served)")
	f.BoolVar(&gc.AllowRemote, "allow-remote", false, "allow a non-loopback --addr (plain HTTP: put a TLS proxy in front)")
	f.BoolVar(&exitWithStdin, "exit-with-stdin", false, "stop when standard input closes (used when storyguard runs it as a child)")
	f.MarkHidden("exit-with-stdin")
	return c
}

func newStoreLsCmd(a *app) *cobra.Command {
	var versions, uploads bool
	c := &cobra.Command{
		Use:   "ls [PREFIX]",
		Short: "List object keys, sizes and version ids (never content)",
		Long: `List what the configured store holds under PREFIX (default: everything):
one line per object with its key and size, or with --versions every
version and delete marker with its version id, or with --uploads the
incomplete multipart uploads. Content is never printed. With no endpoint
configured, the embedded store over .storyguard/ is started for the listing.

` + helpExitCodes,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			prefix := ""
			if len(args) == 1 {
				prefix = args[0]
			}
			if err := store.ValidatePrefix(prefix); err != nil {
				return err
			}
			cfg, err := a.config()
			if err != nil {
				return err
			}
			st, closer, err := a.openStore(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer closer.Close()
			ctx := cmd.Context()
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			defer tw.Flush()
			switch {
			case uploads:
				ups, err := st.ListUploads(ctx, prefix)
				if err != nil {
					return err
				}
				for _, u := range ups {
					fmt.Fprintf(tw, "%s\tupload %s\n", u.Key, u.UploadID)
				}
			case versions:
				vs, err := st.ListVersions(ctx, prefix)
				if err != nil {
					return err
				}
				for _, v := range vs {
					kind := fmt.Sprint(v.Size)
					if v.IsDeleteMarker {
						kind = "delete-marker"
					}
					latest := ""
					if v.IsLatest {
						latest = "latest"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", v.Key, kind, v.VersionID, latest)
				}
			default:
				objs, err := st.List(ctx, prefix)
				if err != nil {
					return err
				}
				keys := make([]string, 0, len(objs))
				for k := range objs {
					keys = append(keys, k)
				}
				slices.Sort(keys)
				for _, k := range keys {
					fmt.Fprintf(tw, "%s\t%d\n", k, objs[k].Size)
				}
			}
			return nil
		},
	}
	c.Flags().BoolVar(&versions, "versions", false, "list every version and delete marker with its version id")
	c.Flags().BoolVar(&uploads, "uploads", false, "list incomplete multipart uploads")
	return c
}

// s3Config binds the configuration's endpoint, bucket, region, AWS_*
// credentials and allow_http to store.S3Config.
func s3Config(cfg config.Config) store.S3Config {
	return store.S3Config{Endpoint: cfg.Endpoint, Bucket: cfg.Bucket, Region: cfg.Region,
		AccessKey: cfg.AccessKey, SecretKey: cfg.SecretKey, AllowHTTP: cfg.AllowHTTP}
}

// openStore opens the configured store (store.Open): the endpoint from
// cfg, or the embedded gateway over cfg.StoreDir as a child process of this
// executable (its messages quoted only if it fails to start). Close the returned closer when done;
// it stops the child. Publish, preview and withdraw use it too.
func (a *app) openStore(ctx context.Context, cfg config.Config) (*store.S3, io.Closer, error) {
	st, closer, err := store.Open(ctx, s3Config(cfg), cfg.Path(cfg.StoreDir), store.OpenOptions{})
	if err != nil {
		switch {
		case errors.Is(err, store.ErrAccessDenied):
			return nil, nil, withHint(err, "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for this endpoint")
		case errors.Is(err, store.ErrNoBucket):
			return nil, nil, withHint(err, "create the bucket with versioning enabled, or fix params.storyguard.bucket / STORYGUARD_BUCKET")
		}
		return nil, nil, err
	}
	return st, closer, nil
}
