// Command benchphoto writes a JPEG photo of about a given size for the
// upload benchmark: a camera-sized image (default 4000 × 3000, 12
// megapixels) whose noise is tuned until the file is near the target, so
// the server decodes a realistic bitmap for the thumbnail.
//
//	go run ./tools/benchphoto -bytes 5242880 -o photo.jpg
package main

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"os"
)

func main() {
	target := flag.Int("bytes", 5<<20, "approximate file size")
	w := flag.Int("width", 4000, "width in pixels")
	h := flag.Int("height", 3000, "height in pixels")
	out := flag.String("o", "photo.jpg", "output file")
	flag.Parse()

	var data []byte
	for noise := 8; noise <= 256; noise *= 2 {
		data = encode(*w, *h, noise)
		if len(data) >= *target {
			break
		}
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%s: %d × %d, %d bytes\n", *out, *w, *h, len(data))
}

// encode draws a gradient with ±noise/2 per channel and encodes it.
func encode(w, h, noise int) []byte {
	img := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio420)
	r := rand.New(rand.NewPCG(1, 2))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := (x*255/w+y*255/h)/2 + r.IntN(noise) - noise/2
			img.Y[img.YOffset(x, y)] = uint8(min(255, max(0, v)))
		}
	}
	for i := range img.Cb {
		img.Cb[i], img.Cr[i] = uint8(110+r.IntN(8)), uint8(140+r.IntN(8))
	}
	var buf bytes.Buffer
	_ = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 90})
	return buf.Bytes()
}
