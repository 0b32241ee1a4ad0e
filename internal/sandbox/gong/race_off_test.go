//go:build !race

package gong

const raceEnabled = false
