package app_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/hsedigital/hse/internal/app/apptest"
	"github.com/hsedigital/hse/internal/blobstore"
	"github.com/hsedigital/hse/internal/blobstore/s3fake"
	"github.com/hsedigital/hse/internal/hsetest"
)

// With HSE_FILES_BUCKET on an S3-compatible server, uploads, downloads and
// thumbnails go through the AWS SDK over HTTP, and refused uploads leave
// no object behind.
func TestFilesInS3Bucket(t *testing.T) {
	hsetest.ForEachEngine(t, func(t *testing.T, engine string) {
		s3 := s3fake.Start(t, "hse-files")
		url := s3.URL("hse-files", "uploads")
		e := apptest.New(t, engine, apptest.WithEnv("HSE_FILES_BUCKET", url), apptest.WithEnv("HSE_UPLOAD_MAX_BYTES", "65536"))
		owner := e.Signup("Bucket Fuel")
		photo := withGPS(testJPEG(t, 400, 300))
		v := e.Must(201, upload(e, owner.Access, "tank.jpg", "", photo)).JSON(t)
		id := v["id"].(string)
		if v["thumbnail"] != true || v["hasLocation"] != true {
			t.Fatalf("upload answered %v", v)
		}
		c := e.Must(200, e.Call("GET", "/api/attachments/"+id+"/content", owner.Access, nil))
		if !bytes.Equal(c.Body, photo) {
			t.Error("the photo read back from the bucket differs")
		}
		assertNoExif(t, e.Must(200, e.Call("GET", "/api/attachments/"+id+"/thumbnail", owner.Access, nil)).Body)
		wantProblem(t, upload(e, owner.Access, "big.txt", "", bytes.Repeat([]byte("x"), 70000)), 413, "FILE_TOO_LARGE")
		wantProblem(t, upload(e, owner.Access, "x.jpg", "", append(photo, "<script>alert(1)</script>"...)), 415, "POLYGLOT_FILE")

		b, err := blobstore.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		var keys []string
		it := b.List(nil)
		for {
			o, err := it.Next(context.Background())
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			keys = append(keys, o.Key)
		}
		want := owner.OrgID + "/" + id + " " + owner.OrgID + "/" + id + ".thumb"
		if strings.Join(keys, " ") != want {
			t.Errorf("bucket holds %v, want %s", keys, want)
		}
	})
}
