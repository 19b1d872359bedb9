// The live session page's player (hub/console/live.go): receives the
// session from the hub's SFU over WebRTC, signalling WHEP-style with
// complete SDP, and reconnects by itself when its connection fails. With
// ?relay=1 in the address it uses only the hub's TURN (a test of relays).
// For tests: window.liveState is the connection's state, window.livePC the
// RTCPeerConnection.
'use strict';
(function () {
  const root = document.getElementById('live');
  const video = document.getElementById('video');
  if (!root || !video) {
    return;
  }
  const base = root.dataset.base;
  const talkback = root.dataset.talkback === '1';
  const relay = new URLSearchParams(window.location.search).get('relay') === '1';
  const stateText = document.getElementById('state');
  const soundButton = document.getElementById('sound');
  const talkButton = document.getElementById('talk');
  const labels = {
    new: '准备连接…', connecting: '正在连接…', connected: '正在播放', disconnected: '连接中断，正在恢复…',
    failed: '连接失败，正在重连…', closed: '已断开', ended: '直播已结束',
    signedout: '登录已失效，请重新登录后观看'
  };

  let pc = null;         // the current connection
  let viewer = null;     // its WHEP resource (Location)
  let audioSender = null;
  let mic = null;        // the microphone track, asked for on the first push-to-talk
  let retryTimer = null;
  let retryDelay = 1000;
  let talking = false;

  function setState(s) {
    window.liveState = s;
    root.dataset.state = s;
    if (stateText) {
      stateText.textContent = labels[s] || s;
    }
  }

  function gathered(p) {
    if (p.iceGatheringState === 'complete') {
      return Promise.resolve();
    }
    return new Promise(function (resolve) {
      const done = function () {
        if (p.iceGatheringState === 'complete') {
          p.removeEventListener('icegatheringstatechange', done);
          resolve();
        }
      };
      p.addEventListener('icegatheringstatechange', done);
      setTimeout(resolve, 5000); // use what was gathered
    });
  }

  async function iceServers() {
    const res = await fetch(base + '/ice', { credentials: 'same-origin', cache: 'no-store' });
    if (res.status === 404) {
      throw new Error('ended');
    }
    if (!res.ok) {
      throw new Error('ice ' + res.status);
    }
    return (await res.json()).ice_servers || [];
  }

  function leave() {
    if (viewer) {
      fetch(viewer, { method: 'DELETE', credentials: 'same-origin', keepalive: true }).catch(function () {});
      viewer = null;
    }
    if (pc) {
      pc.close();
      pc = null;
    }
  }

  async function connect() {
    clearTimeout(retryTimer);
    leave();
    setState('connecting');
    let p;
    try {
      const servers = await iceServers();
      p = new RTCPeerConnection({ iceServers: servers, iceTransportPolicy: relay ? 'relay' : 'all' });
      pc = p;
      window.livePC = p;
      p.addTransceiver('video', { direction: 'recvonly' });
      const audio = p.addTransceiver('audio', { direction: talkback ? 'sendrecv' : 'recvonly' });
      audioSender = talkback ? audio.sender : null;
      if (audioSender && mic) {
        await audioSender.replaceTrack(mic);
      }
      const stream = new MediaStream();
      p.ontrack = function (e) {
        stream.addTrack(e.track);
        if (video.srcObject !== stream) {
          video.srcObject = stream;
        }
        video.play().catch(function () {});
      };
      p.onconnectionstatechange = function () { changed(p); };
      await p.setLocalDescription(await p.createOffer());
      await gathered(p);
      const res = await fetch(base + '/whep', {
        method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/sdp' }, body: p.localDescription.sdp
      });
      if (res.status === 404) {
        throw new Error('ended');
      }
      if (res.status !== 201) {
        throw new Error('whep ' + res.status);
      }
      viewer = res.headers.get('Location');
      await p.setRemoteDescription({ type: 'answer', sdp: await res.text() });
    } catch (e) {
      if (p && p !== pc) {
        return; // a newer attempt runs
      }
      if (e.message === 'ended') {
        leave();
        setState('ended');
        return;
      }
      setState('failed');
      retry();
    }
  }

  function changed(p) {
    if (p !== pc) {
      return;
    }
    const s = p.connectionState;
    setState(s);
    if (s === 'connected') {
      retryDelay = 1000;
    } else if (s === 'failed') {
      retry();
    } else if (s === 'disconnected') {
      // ICE may recover by itself; if not within 5 s, start again.
      clearTimeout(retryTimer);
      retryTimer = setTimeout(function () {
        if (p === pc && p.connectionState !== 'connected') {
          connect();
        }
      }, 5000);
    }
  }

  function retry() {
    clearTimeout(retryTimer);
    retryTimer = setTimeout(connect, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 10000);
  }

  if (soundButton) {
    soundButton.addEventListener('click', function () {
      video.muted = !video.muted;
      soundButton.textContent = video.muted ? '打开声音' : '关闭声音';
      video.play().catch(function () {});
    });
  }

  async function talk(on) {
    if (on === talking) {
      return;
    }
    talking = on;
    talkButton.setAttribute('aria-pressed', on ? 'true' : 'false');
    try {
      if (on && !mic) {
        const media = await navigator.mediaDevices.getUserMedia({ audio: true });
        mic = media.getAudioTracks()[0];
        if (audioSender) {
          await audioSender.replaceTrack(mic);
        }
      }
      if (mic) {
        mic.enabled = talking;
      }
      if (talking !== on) {
        return; // let go while the microphone was being opened
      }
      if (viewer) {
        const res = await fetch(viewer + '/talk', { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'text/plain' }, body: on ? 'on' : 'off' });
        if (!res.ok && on) {
          talkButton.textContent = await res.text();
          talking = false;
          talkButton.setAttribute('aria-pressed', 'false');
          if (mic) {
            mic.enabled = false;
          }
          setTimeout(function () { talkButton.textContent = '按住喊话'; }, 3000);
        }
      }
    } catch (e) {
      talking = false;
      talkButton.setAttribute('aria-pressed', 'false');
      talkButton.textContent = '无法使用麦克风';
    }
  }

  if (talkButton) {
    talkButton.addEventListener('pointerdown', function (e) { e.preventDefault(); talk(true); });
    ['pointerup', 'pointerleave', 'pointercancel'].forEach(function (n) {
      talkButton.addEventListener(n, function () { talk(false); });
    });
    talkButton.addEventListener('keydown', function (e) {
      if ((e.key === ' ' || e.key === 'Enter') && !e.repeat) { e.preventDefault(); talk(true); }
    });
    talkButton.addEventListener('keyup', function (e) {
      if (e.key === ' ' || e.key === 'Enter') { talk(false); }
    });
  }

  // Every 10 s: the terminal's link and the viewers. An ended session
  // stops the player; if the terminal publishes it again (after the hub
  // restarted, say), the player starts again. The requests also keep the
  // console session alive.
  const terminalText = document.getElementById('terminal');
  const viewersText = document.getElementById('viewers');
  setInterval(async function () {
    try {
      const res = await fetch(base + '/status', { credentials: 'same-origin', cache: 'no-store' });
      if (res.status === 401) {
        // signed out (here or in another tab) or the sign-in expired: stop watching
        clearTimeout(retryTimer);
        leave();
        setState('signedout');
        return;
      }
      if (res.status === 404) {
        if (window.liveState !== 'ended') {
          clearTimeout(retryTimer);
          leave();
          setState('ended');
        }
        return;
      }
      if (!res.ok) {
        return;
      }
      const st = await res.json();
      if (terminalText) {
        terminalText.textContent = st.connected ? '已连接' : '等待终端重连';
      }
      if (viewersText) {
        viewersText.textContent = String((st.viewers || []).length);
      }
      if (window.liveState === 'ended') {
        connect();
      }
    } catch (e) {
      // the network is down: the connection's own state says so
    }
  }, 10000);

  window.addEventListener('pagehide', leave);
  setState('new');
  connect();
})();
