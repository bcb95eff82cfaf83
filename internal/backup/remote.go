package backup

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"

	"github.com/hsedigital/hse/internal/blobstore"
)

// Remote is the bucket backups are copied to (HSE_BACKUP_BUCKET): the same
// layout as the local directory (NAME.sql.gz or NAME.sqlite.gz, NAME.json,
// .last-attempt.json) under the URL's prefix. The metadata object is
// written after the artifact, so a listed backup is always complete.
type Remote struct {
	Bucket *blob.Bucket
	URL    string // for messages; holds no credentials

	mu    sync.Mutex
	cache map[string]cachedMetadata // by metadata key, for List
}

// cachedMetadata is a metadata object read before, valid while the
// object's version (time, size, MD5) is the same: health checks and
// metric scrapes list the bucket often, and need not read every backup's
// metadata each time.
type cachedMetadata struct {
	version string
	m       Metadata
}

func objectVersion(o *blob.ListObject) string {
	return fmt.Sprintf("%d/%d/%x", o.ModTime.UnixNano(), o.Size, o.MD5)
}

// OpenRemote opens the bucket at rawURL; an empty URL gives a nil Remote
// (no bucket configured).
func OpenRemote(ctx context.Context, rawURL string) (*Remote, error) {
	if strings.TrimSpace(rawURL) == "" {
		return nil, nil
	}
	loc, err := blobstore.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("HSE_BACKUP_BUCKET: %w", err)
	}
	b, err := loc.Open(ctx)
	if err != nil {
		return nil, fmt.Errorf("HSE_BACKUP_BUCKET: %w", err)
	}
	return &Remote{Bucket: b, URL: loc.String()}, nil
}

// Close releases the bucket.
func (r *Remote) Close() error {
	if r == nil {
		return nil
	}
	return r.Bucket.Close()
}

func (r *Remote) errorf(err error, format string, args ...any) error {
	return fmt.Errorf("backup bucket %s: %s: %w", r.URL, fmt.Sprintf(format, args...), err)
}

// Upload copies a backup of dir to the bucket, streaming the artifact from
// its file, then its metadata.
func (r *Remote) Upload(ctx context.Context, dir string, m *Metadata) error {
	f, err := os.Open(filepath.Join(dir, m.File))
	if err != nil {
		return err
	}
	defer f.Close()
	w, err := r.Bucket.NewWriter(ctx, m.File, &blob.WriterOptions{ContentType: "application/gzip"})
	if err != nil {
		return r.errorf(err, "uploading %s", m.File)
	}
	if _, err := io.Copy(w, f); err != nil {
		w.Close()
		return r.errorf(err, "uploading %s", m.File)
	}
	if err := w.Close(); err != nil {
		return r.errorf(err, "uploading %s", m.File)
	}
	return r.UploadMetadata(ctx, m)
}

// UploadMetadata writes (or replaces) a backup's metadata object, e.g. after
// a verification.
func (r *Remote) UploadMetadata(ctx context.Context, m *Metadata) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := r.Bucket.WriteAll(ctx, m.Name+".json", b, &blob.WriterOptions{ContentType: "application/json"}); err != nil {
		return r.errorf(err, "uploading %s.json", m.Name)
	}
	return nil
}

// Has reports whether the bucket holds the backup's artifact.
func (r *Remote) Has(ctx context.Context, m *Metadata) (bool, error) {
	ok, err := r.Bucket.Exists(ctx, m.File)
	if err != nil {
		return false, r.errorf(err, "looking for %s", m.File)
	}
	return ok, nil
}

// List returns the backups in the bucket, newest first.
func (r *Remote) List(ctx context.Context) ([]Metadata, error) {
	keys := map[string]*blob.ListObject{}
	it := r.Bucket.List(&blob.ListOptions{Delimiter: "/"})
	for {
		o, err := it.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, r.errorf(err, "listing")
		}
		if !o.IsDir {
			keys[o.Key] = o
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	fresh := map[string]cachedMetadata{}
	var out []Metadata
	for k, o := range keys {
		if !strings.HasSuffix(k, ".json") || strings.HasPrefix(k, ".") {
			continue
		}
		version := objectVersion(o)
		c, ok := r.cache[k]
		if !ok || c.version != version {
			m, err := r.metadata(ctx, strings.TrimSuffix(k, ".json"))
			if err != nil {
				if errors.Is(err, errCorrupt) || errors.Is(err, ErrNotInBucket) {
					continue // a stray object is not a backup
				}
				return nil, err
			}
			c = cachedMetadata{version: version, m: *m}
		}
		fresh[k] = c
		if c.m.File == "" || keys[c.m.File] == nil {
			continue
		}
		out = append(out, c.m)
	}
	r.cache = fresh
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) })
	return out, nil
}

var errCorrupt = errors.New("corrupt metadata")

// ErrNotInBucket is returned by Fetch for a name the bucket does not hold.
var ErrNotInBucket = errors.New("no such backup in the bucket")

func (r *Remote) metadata(ctx context.Context, name string) (*Metadata, error) {
	b, err := r.Bucket.ReadAll(ctx, name+".json")
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, fmt.Errorf("%s: %w", name, ErrNotInBucket)
	}
	if err != nil {
		return nil, r.errorf(err, "reading %s.json", name)
	}
	var m Metadata
	if err := json.Unmarshal(b, &m); err != nil || m.Name != name {
		return nil, fmt.Errorf("%s.json: %w", name, errCorrupt)
	}
	return &m, nil
}

// Fetch downloads a backup (artifact, then metadata) from the bucket into
// dir, streaming, and returns its metadata. Verify and Restore then work on
// the local copy.
func (r *Remote) Fetch(ctx context.Context, name, dir string) (*Metadata, error) {
	m, err := r.metadata(ctx, name)
	if err != nil {
		return nil, err
	}
	if m.File != filepath.Base(m.File) || m.File != m.Name+artifactExt(m.Engine) {
		return nil, fmt.Errorf("%s.json in the bucket names an unexpected file %q", name, m.File)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("backup directory: %w", err)
	}
	rd, err := r.Bucket.NewReader(ctx, m.File, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, fmt.Errorf("%s: %w (its metadata is there, its artifact %s is not)", name, ErrNotInBucket, m.File)
	}
	if err != nil {
		return nil, r.errorf(err, "downloading %s", m.File)
	}
	defer rd.Close()
	path := filepath.Join(dir, m.File)
	tmp := path + ".partial"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return nil, err
	}
	_, err = io.Copy(f, rd)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return nil, r.errorf(err, "downloading %s", m.File)
	}
	if err := os.Rename(tmp, path); err != nil {
		return nil, err
	}
	return m, WriteMetadata(dir, m)
}

// Prune applies the retention to the bucket as Prune does to a directory,
// judging the bucket's own list: backups never verified are verified first
// (streamed, not stored; the result is recorded in their metadata object),
// then those Plan keeps for no reason are deleted (artifact first, so a
// half-pruned backup is no longer listed) and their names returned. With
// dryRun nothing is written or deleted.
func (r *Remote) Prune(ctx context.Context, ret Retention, now time.Time, dryRun bool) ([]string, error) {
	backups, err := r.List(ctx)
	if err != nil {
		return nil, err
	}
	for i := range backups {
		b := &backups[i]
		if b.State() != StateUnverified {
			continue
		}
		verr := r.verify(ctx, b)
		if verr != nil && !isCorrupt(verr) {
			return nil, fmt.Errorf("verifying %s before pruning: %w", b.Name, verr)
		}
		b.Verification = verdict(verr, false, now)
		if !dryRun {
			if err := r.UploadMetadata(ctx, b); err != nil {
				return nil, err
			}
		}
	}
	plan := ret.Plan(backups)
	var removed []string
	for _, b := range backups {
		if len(plan[b.Name]) > 0 {
			continue
		}
		if !dryRun {
			for _, key := range []string{b.File, b.Name + ".json"} {
				if err := r.Bucket.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
					return removed, r.errorf(err, "deleting %s", key)
				}
			}
		}
		removed = append(removed, b.Name)
	}
	return removed, nil
}

// verify checks a backup's artifact in the bucket as it streams by.
func (r *Remote) verify(ctx context.Context, m *Metadata) error {
	rd, err := r.Bucket.NewReader(ctx, m.File, nil)
	if err != nil {
		return r.errorf(err, "reading %s", m.File)
	}
	defer rd.Close()
	return checkStream(rd, m)
}

// RecordAttempt stores the outcome of a backup attempt in the bucket, where
// every replica's health check reads it.
func (r *Remote) RecordAttempt(ctx context.Context, a Attempt) error {
	b, _ := json.Marshal(a)
	if err := r.Bucket.WriteAll(ctx, attemptFile, b, &blob.WriterOptions{ContentType: "application/json"}); err != nil {
		return r.errorf(err, "recording the attempt")
	}
	return nil
}

func (r *Remote) lastAttempt(ctx context.Context) (*Attempt, error) {
	b, err := r.Bucket.ReadAll(ctx, attemptFile)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, r.errorf(err, "reading the last attempt")
	}
	var a Attempt
	if err := json.Unmarshal(b, &a); err != nil {
		return nil, nil // an unreadable record says nothing
	}
	return &a, nil
}

// checkTimeout bounds the bucket reads of one health check.
const checkTimeout = 10 * time.Second

// Checker reports backup health from the bucket when one is configured
// (every replica then reports the same state, whatever its own directory
// holds) and from the local directory otherwise.
type Checker struct {
	Dir       string
	Remote    *Remote // nil: the local directory
	Retention Retention
	RPO       time.Duration
}

// Check reports the state of the backups. An unreadable bucket is a
// failing status, not an error.
func (c *Checker) Check(ctx context.Context, now time.Time) (*Health, error) {
	if c.Remote == nil {
		return Check(c.Dir, c.Retention, c.RPO, now)
	}
	// An unreachable endpoint must not hold a health request or a scrape
	// for the SDK's whole retry schedule.
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	bs, err := c.Remote.List(ctx)
	var attempt *Attempt
	if err == nil {
		attempt, err = c.Remote.lastAttempt(ctx)
	}
	// This replica's own last attempt counts too: an upload that failed
	// may not have been able to record itself in the bucket.
	local, lerr := lastAttempt(c.Dir)
	if lerr == nil && local != nil && (attempt == nil || local.At.After(attempt.At)) {
		attempt = local
	}
	h := health(bs, attempt, c.Retention, c.RPO, now)
	if err != nil {
		h.Status, h.Reason = StatusFailing, "the backup bucket cannot be read: "+err.Error()
	}
	return h, nil
}
