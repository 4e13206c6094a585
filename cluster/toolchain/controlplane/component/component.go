// Package component tells which control-plane process the executable is started as, and
// answers `--version` for it before the control plane's packages initialize.
//
// kwokctl asks every component for its version before it starts any: five full starts of
// this executable, about 50 ms each and nearly all of it package initialization, on the
// way to every new cluster. The toolchain build records each component's own answer in a
// folder beside the executable (VersionsDir); this package reads it instead. Go initializes
// a package whose imports are all initialized ahead of the packages sorted after it by
// import path, and the big ones (github.com, go.etcd.io, k8s.io, sigs.k8s.io) sort after
// flightschool.local. Without a record, the full program answers as before.
package component

import (
	"os"
	"path/filepath"
)

// VersionsDir is the folder, beside the executable, of each component's --version answer.
const VersionsDir = "controlplane.versions"

// Of names the component a path to this executable starts: its base name, with kwokctl's
// name for kwok (kwok-controller) folded into ours.
func Of(path string) string {
	name := filepath.Base(path)
	if name == "kwok-controller" {
		return "kwok"
	}
	return name
}

func init() {
	if len(os.Args) != 2 || os.Args[1] != "--version" {
		return
	}
	executable, err := os.Executable()
	if err != nil {
		return
	}
	answer, err := os.ReadFile(filepath.Join(filepath.Dir(executable), VersionsDir, Of(os.Args[0])))
	if err != nil || len(answer) == 0 {
		return
	}
	if _, err := os.Stdout.Write(answer); err != nil {
		return
	}
	os.Exit(0)
}
