// Signing in and out. The session is an HttpOnly cookie: the page only learns whether it has
// one (GET /session), trades an API key for one (POST /session, the key in a header, never
// stored by the page), and ends it (DELETE /session).

const $ = (id) => document.getElementById(id);

// { signedIn, mustSignIn }. A server without sign-in (the dashboard mounted on its own) has no
// /session route: then there is nothing to sign in to.
export async function sessionState() {
  const res = await fetch("/session", { cache: "no-store" });
  if (res.status === 404) return { signedIn: false, mustSignIn: false };
  if (!res.ok) throw new Error("/session answered " + res.status);
  const body = await res.json();
  return { signedIn: body.signed_in === true, mustSignIn: body.sign_in_needed === true && body.signed_in !== true };
}

export function showSignIn() {
  $("signin").hidden = false;
  $("conn-text").textContent = "Signed out";
  $("conn").dataset.state = "offline";
  const form = $("signin-form");
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const key = form.elements.key.value.trim();
    const res = await fetch("/session", { method: "POST", headers: { Authorization: "Bearer " + key } });
    if (res.ok) {
      location.reload();
      return;
    }
    const error = $("signin-error");
    error.textContent = res.status === 401 ? "That API key is unknown or revoked." : "Sign-in failed (" + res.status + ").";
    error.hidden = false;
  });
}

export function showSignOut() {
  const button = $("sign-out");
  button.hidden = false;
  button.addEventListener("click", async () => {
    await fetch("/session", { method: "DELETE" });
    location.assign("/");
  });
}
