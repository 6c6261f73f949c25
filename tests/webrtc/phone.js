// SPDX-License-Identifier: GPL-2.0
/*
 * The browser side of tests/test-webrtc-browser.sh, bundled with JsSIP into
 * phone.bundle.js (make -C tests webrtc). Query parameters: ws (krtpd's
 * WebSocket URL), uri, password, target.
 *
 * One call, step by step, each reported by fetching /report/STEP?d=JSON on
 * the http server the page came from (the test reads that server's log):
 *   registered | regfail      REGISTER answered (status code)
 *   answer                    the 200's SDP: ice-lite, fingerprint, setup
 *   connected | failed        ICE and DTLS up (Call-ID), or why the call failed
 *   stats                     after the test created /hangup in the served
 *                             folder: the page stops sending, waits a second
 *                             and reports getStats (inbound-rtp, outbound-rtp)
 *   ended                     after the test created /bye: the BYE was answered
 * Then, if the test writes /call2.json ({"target": URI, "video": true})
 * within a minute, a second call from the same registration, its steps
 * named with a "v" in front (vanswer ... vended, files /vhangup, /vbye):
 * with video (the fake camera at 160x120, 10 frames a second), and
 * bundlePolicy balanced, the browsers' default, so that each line keeps a
 * transport of its own when the answer does not bundle them. After
 * vstats it waits for /vrestart and restarts ICE, as an application does
 * when its network changed (a re-INVITE with new credentials, the same
 * DTLS transport): "vrestarted" reports the ICE credentials of both sides
 * before and after, the connection state, and the video packets it
 * received in the 3 s after. If the test then writes /vrestart2 (it
 * restarted krtpd under the call meanwhile), the page restarts ICE once
 * more and reports "vrestarted2" alike. "reregistered" reports that the
 * WebSocket was lost, came back and REGISTER got its answer again.
 * Then, if the test writes /call3.json ({"target": URI, "video": true,
 * "bundle": "max-bundle"}) within a minute, a third call with that
 * bundlePolicy, its steps named with a "b" in front (banswer ... bended,
 * files /bhangup, /bbye), without ICE restarts.
 * Every wait is bounded; "error" reports anything unexpected.
 */
const JsSIP = require('jssip');

const q = new URLSearchParams(location.search);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function report(step, data) {
	const d = encodeURIComponent(JSON.stringify(data || {}));

	document.getElementById('log').textContent += step + ' ' + JSON.stringify(data || {}) + '\n';
	return fetch('/report/' + step + '?d=' + d, { cache: 'no-store' }).catch(() => {});
}

// resolve once check() is true, polling every 200 ms, or reject after ms
async function until(what, check, ms) {
	for (let t = 0; t < ms; t += 200) {
		if (await check())
			return;
		await sleep(200);
	}
	throw new Error('timed out waiting for ' + what);
}

async function rtpStats(pc) {
	const out = { inbound: null, outbound: null, dtls: null, video_in: null, video_out: null,
		      transports: 0 };

	(await pc.getStats()).forEach((s) => {
		if (s.type === 'inbound-rtp' && s.kind === 'audio')
			out.inbound = { packetsReceived: s.packetsReceived, bytesReceived: s.bytesReceived,
					packetsLost: s.packetsLost };
		else if (s.type === 'outbound-rtp' && s.kind === 'audio')
			out.outbound = { packetsSent: s.packetsSent, bytesSent: s.bytesSent };
		else if (s.type === 'inbound-rtp' && s.kind === 'video')
			out.video_in = { packetsReceived: s.packetsReceived, framesDecoded: s.framesDecoded,
					 keyFramesDecoded: s.keyFramesDecoded, pliCount: s.pliCount,
					 firCount: s.firCount, nackCount: s.nackCount,
					 frameWidth: s.frameWidth };
		else if (s.type === 'outbound-rtp' && s.kind === 'video')
			out.video_out = { packetsSent: s.packetsSent, framesEncoded: s.framesEncoded,
					  frameWidth: s.frameWidth };
		else if (s.type === 'transport') {
			out.dtls = s.dtlsState;
			out.transports++;
		}
	});
	return out;
}

// what the test reads of the answer's m= line of kind: its port and protocol
function mline(sdp, kind) {
	const m = sdp.match(new RegExp('^m=' + kind + ' (\\d+) (\\S+)', 'm'));

	return m ? { port: Number(m[1]), proto: m[2] } : null;
}

// the payload types of an SDP's m= line of kind, sorted
const pts = (sdp, kind) => ((sdp.match(new RegExp('^m=' + kind + ' \\d+ \\S+ (.*)$', 'm')) || [])[1] ||
			    '').split(' ').filter((x) => x).map(Number).sort((a, b) => a - b);

// the a=ice-ufrag values of an SDP, in order
const ufrags = (sdp) => (sdp.match(/^a=ice-ufrag:(.*)$/mg) || []).map((l) => l.slice(12));

// wait for file (fetched from the server the page came from), at most ms
const file = (name, ms) => until(name, async () => (await fetch(name, { cache: 'no-store' })).ok, ms);

async function call(ua, target, video, pre, restart, bundle) {
	let failed = null, ended = false, remoteSdp = '';
	const rep = (step, data) => report(pre + step, data);
	const session = ua.call(target, {
		mediaConstraints: { audio: true,
				    video: video ? { width: 160, height: 120, frameRate: 10 } : false },
		pcConfig: { iceServers: [], bundlePolicy: bundle || (video ? 'balanced' : 'max-bundle'),
			    rtcpMuxPolicy: 'require' },
	});

	session.on('sdp', (e) => {
		if (e.originator === 'remote')
			remoteSdp = e.sdp;
	});
	let why = null;

	session.on('failed', (e) => { failed = e.cause; });
	session.on('ended', (e) => { ended = true; why = why || e.cause; });
	session.on('peerconnection:setremotedescriptionfailed', (e) => {
		why = 'setRemoteDescription: ' + String(e && (e.message || e.name) || e);
	});

	await until('the 200 OK', () => failed || session.isEstablished(), 60000);
	if (failed)
		return rep('failed', { cause: failed });
	await rep('answer', {
		ice_lite: /^a=ice-lite/m.test(remoteSdp),
		fingerprint: (remoteSdp.match(/^a=fingerprint:(\S+)/m) || [])[1] || null,
		setup: (remoteSdp.match(/^a=setup:(\S+)/m) || [])[1] || null,
		candidates: (remoteSdp.match(/^a=candidate:/mg) || []).length,
		proto: (remoteSdp.match(/^m=audio \d+ (\S+)/m) || [])[1] || null,
		audio: mline(remoteSdp, 'audio'),
		video: mline(remoteSdp, 'video'),
		group: (remoteSdp.match(/^a=group:(.*)$/m) || [])[1] || null,
		ufrags: (remoteSdp.match(/^a=ice-ufrag:/mg) || []).length,
		ufrags_distinct: new Set(ufrags(remoteSdp)).size,
		mids: (remoteSdp.match(/^a=mid:(.*)$/mg) || []).map((l) => l.slice(6)),
		// the payload types of the lines the page offered
		offered: { audio: pts(session.connection.localDescription.sdp, 'audio'),
			   video: pts(session.connection.localDescription.sdp, 'video') },
		rtcp_fb: (remoteSdp.match(/^a=rtcp-fb:.*$/mg) || []),
	});

	const pc = session.connection;
	await until('ICE and DTLS', () => pc.connectionState === 'connected' || failed, 60000);
	if (failed)
		return rep('failed', { cause: failed });
	await rep('connected', { callid: session._request.call_id });

	// the test hangs up once it checked the media it wanted to see
	await file('/' + pre + 'hangup', 120000);
	for (const s of pc.getSenders())
		await s.replaceTrack(null);
	await sleep(1000);
	await rep('stats', await rtpStats(pc));

	// the second call then restarts ICE when the test says (/vrestart), as
	// an application does when its network changed: a re-INVITE with new
	// ICE credentials and the same DTLS transport
	const restartIce = async (step) => {
		const before = { remote: ufrags(remoteSdp), local: ufrags(pc.localDescription.sdp) };
		const fp = (remoteSdp.match(/^a=fingerprint:(.*)$/m) || [])[1] || null;
		let done = false;
		const started = session.renegotiate({ rtcOfferConstraints: { iceRestart: true } },
						    () => { done = true; });

		await until('the re-INVITE', () => done || failed || ended, 30000);
		await until('ICE after the restart', () => pc.connectionState === 'connected', 30000)
			.catch(() => {});
		// video received in the three seconds after the restart
		const s0 = await rtpStats(pc);
		const s1 = await sleep(3000).then(() => rtpStats(pc));
		const got = (x) => (x.video_in ? x.video_in.packetsReceived : 0);

		await rep(step, {
			started, done, before, state: pc.connectionState,
			after: { remote: ufrags(remoteSdp), local: ufrags(pc.localDescription.sdp) },
			fingerprint: (remoteSdp.match(/^a=fingerprint:(.*)$/m) || [])[1] || null,
			same_fingerprint: fp === ((remoteSdp.match(/^a=fingerprint:(.*)$/m) || [])[1] || null),
			why, answer: done ? null : remoteSdp,
			video_received_after: got(s1) - got(s0),
		});
	};
	if (restart) {
		await file('/' + pre + 'restart', 120000);
		await restartIce('restarted');
		// once more if the test asks (/vrestart2, after it restarted krtpd
		// under the call), else on to the BYE
		let again = false;
		const ok = async (name) => (await fetch(name, { cache: 'no-store' })).ok;

		await until('/' + pre + 'restart2 or /' + pre + 'bye', async () =>
			(again = await ok('/' + pre + 'restart2')) || ok('/' + pre + 'bye'), 300000);
		if (again)
			await restartIce('restarted2');
	}

	// and hangs up once it has read krtp.ko's counters of the same moment
	await file('/' + pre + 'bye', 120000);
	session.terminate();
	await until('the end of the call', () => ended, 30000);
	await rep('ended', {});
}

// the call the test asks for in file name (JSON), if within a minute
async function nextCall(name) {
	let next = null;

	await until(name, async () => {
		const r = await fetch(name, { cache: 'no-store' });

		next = r.ok ? await r.json() : null;
		return next;
	}, 60000).catch(() => {});
	return next;
}

async function main() {
	const ua = new JsSIP.UA({
		sockets: [new JsSIP.WebSocketInterface(q.get('ws'))],
		uri: q.get('uri'),
		password: q.get('password'),
		register: false,
		session_timers: false,
		user_agent: 'krtp-test JsSIP ' + JsSIP.version,
		// the test restarts krtpd under a call: back within seconds
		connection_recovery_min_interval: 1,
		connection_recovery_max_interval: 4,
	});
	let regd = null, lost = false;

	// after the WebSocket was lost, "reregistered" once it is back and registered
	ua.on('disconnected', () => { lost = !!regd; });
	ua.on('registered', (e) => {
		if (lost) {
			lost = false;
			report('reregistered', { status: e.response.status_code });
		}
		regd = regd || { status: e.response.status_code };
	});
	ua.on('registrationFailed', (e) => {
		regd = { failed: e.cause, status: e.response ? e.response.status_code : 0 };
	});
	// REGISTER once the WebSocket is up: sent before, JsSIP fails it at
	// once with "Connection Error"
	ua.on('connected', () => ua.register());
	ua.start();
	await until('the REGISTER answer', () => regd, 60000);
	if (regd.failed)
		return report('regfail', regd);
	await report('registered', regd);
	await call(ua, q.get('target'), false, '', false);
	// a second call, if the test asks for one, with video and ICE restarts
	let next = await nextCall('/call2.json');

	if (next)
		await call(ua, next.target, !!next.video, 'v', true);
	// a third, with a bundlePolicy of the test's
	next = await nextCall('/call3.json');
	if (next)
		await call(ua, next.target, !!next.video, 'b', false, next.bundle);
	ua.stop();
}

main().catch((e) => report('error', { message: String(e && e.message || e) }));
