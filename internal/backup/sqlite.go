package backup

import (
	"compress/gzip"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	_ "modernc.org/sqlite" // the "sqlite" driver, to check restored copies

	"github.com/hsedigital/hse/internal/sqlstore"
)

// copySQLite takes a consistent online copy with VACUUM INTO (readers and
// the writer keep working) and compresses it into out.
func copySQLite(ctx context.Context, db *sqlstore.DB, out string) error {
	dir := filepath.Dir(out)
	tmp, err := os.CreateTemp(dir, ".vacuum-*.db")
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	tmp.Close()
	os.Remove(tmpName) // VACUUM INTO wants to create the file itself
	defer os.Remove(tmpName)
	if err := db.VacuumInto(ctx, tmpName); err != nil {
		return fmt.Errorf("copying the SQLite database: %w", err)
	}
	return gzipFile(tmpName, out)
}

func gzipFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	defer f.Close()
	zw := gzip.NewWriter(f)
	if _, err := io.Copy(zw, in); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Sync()
}

// gunzipFile decompresses src into dst.
func gunzipFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	zr, err := gzip.NewReader(in)
	if err != nil {
		return fmt.Errorf("%s is not a gzip file: %w", src, err)
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o640)
	if err != nil {
		return err
	}
	defer out.Close()
	if _, err := io.Copy(out, zr); err != nil {
		return fmt.Errorf("decompressing %s: %w", src, err)
	}
	return out.Sync()
}

// checkSQLiteFile runs SQLite's integrity check on a database file.
func checkSQLiteFile(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return err
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&res); err != nil {
		return fmt.Errorf("not a SQLite database: %w", err)
	}
	if !strings.EqualFold(res, "ok") {
		return fmt.Errorf("SQLite integrity check failed: %s", res)
	}
	return nil
}
