// Package tlayer lets the local DC speak every API layer from 133 to 229.
package tlayer
