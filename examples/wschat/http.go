package wschat

import (
	_ "embed"
	"encoding/json"
	"io"
	"net/http"
)

//go:embed page.html
var page []byte

// maxAnnounce bounds the body of an HTTP announce.
const maxAnnounce = 64 << 10

func (s *Server) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.servePage)
	mux.HandleFunc("GET /rooms", s.serveRooms)
	mux.HandleFunc("POST /rooms/{room}/announce", s.serveAnnounce)
	return mux
}

func (s *Server) servePage(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(page)
}

func (s *Server) serveRooms(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s.Rooms())
}

// serveAnnounce broadcasts the body to a room as "said" from "server": a
// broadcast that a plain HTTP request triggers.
func (s *Server) serveAnnounce(w http.ResponseWriter, r *http.Request) {
	room := r.PathValue("room")
	if len(room) > maxRoomName {
		http.Error(w, errRoomTooLong.Error(), http.StatusBadRequest)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAnnounce))
	if err != nil {
		http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
		return
	}
	s.say(nil, room, "server", string(body))
	w.WriteHeader(http.StatusNoContent)
}
