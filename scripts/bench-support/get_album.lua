-- scripts/bench: GET /{artist}/{album} of the album scripts/bench stored before the run (the URL
-- wrk is given). Static settings only: with no request() function wrk builds the request once
-- and sends the same bytes on every connection, to both servers.
--   wrk -t2 -c16 -d10s --latency -s get_album.lua http://127.0.0.1:PORT/bench-artist/bench-album
wrk.method = "GET"
wrk.headers["Accept"] = "application/json"
