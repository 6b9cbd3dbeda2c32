package fanout

// crash stops the registry's loop the way a killed process would: no
// record deletion, no departure announcement.
func (r *Registry) crash() {
	r.closeOnce.Do(func() {
		close(r.done)
		r.startOnce.Do(func() { close(r.stopped) })
		<-r.stopped
	})
}
