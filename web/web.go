// Package web holds the built single-page application. The bundle in dist
// is committed, so a fresh clone serves the app without Node; `make web`
// rebuilds it from the TypeScript sources beside this file.
package web

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist is the built application: index.html at its root, hashed assets
// under assets/, and a .gz and .br twin of every compressible file.
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // "dist" is a literal directory embedded above
	}
	return sub
}
