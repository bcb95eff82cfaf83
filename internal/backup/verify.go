package backup

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Verify checks a backup: the file's SHA-256 against its metadata and the
// whole gzip stream's integrity. With a scratch target it also restores the
// backup there and compares row counts per table (the weekly restore drill
// as one command).
func Verify(ctx context.Context, dir, name string, scratch *Scratch, now time.Time) (*Metadata, error) {
	m, err := ReadMetadata(filepath.Join(dir, name))
	if err != nil {
		return nil, err
	}
	v := &Verification{At: now.UTC(), RestoreTest: scratch != nil}
	verr := verify(ctx, dir, m, scratch)
	v.OK = verr == nil
	if verr != nil {
		v.Error = verr.Error()
	}
	m.Verification = v
	if err := WriteMetadata(dir, m); err != nil {
		return m, err
	}
	return m, verr
}

func verify(ctx context.Context, dir string, m *Metadata, scratch *Scratch) error {
	path := filepath.Join(dir, m.File)
	sum, size, err := checksum(path)
	if err != nil {
		return err
	}
	if sum != m.SHA256 || size != m.SizeBytes {
		return fmt.Errorf("%s is corrupt: checksum or size differs from its metadata (sha256 %s, %d bytes; expected %s, %d bytes)", m.File, sum, size, m.SHA256, m.SizeBytes)
	}
	if err := gzipIntact(path); err != nil {
		return err
	}
	if scratch == nil {
		return nil
	}
	counts, err := scratch.restoreAndCount(ctx, m, path)
	if err != nil {
		return fmt.Errorf("restore test: %w", err)
	}
	for table, want := range m.RowCounts {
		if got := counts[table]; got != want {
			return fmt.Errorf("restore test: table %s has %d rows after restore, the backup recorded %d", table, got, want)
		}
	}
	return nil
}

// gzipIntact reads the whole stream, which checks every block and the
// final CRC.
func gzipIntact(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("%s is not a valid gzip file: %w", filepath.Base(path), err)
	}
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return fmt.Errorf("%s is damaged: %w", filepath.Base(path), err)
	}
	return zr.Close()
}
