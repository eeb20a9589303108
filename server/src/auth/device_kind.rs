//! What kind of device signed in, in words a young person recognises ("Android phone (Chrome)"),
//! read from the browser's own description of itself at sign-in. Someone shown "a new sign-in on
//! an iPhone" who has only ever had an Android phone knows at once it wasn't them; "another
//! device" told them nothing. Only these words are kept, never the User-Agent itself.

/// The kind of device and browser a User-Agent describes, if it names a device we know.
pub fn from_user_agent(agent: &str) -> Option<String> {
    let has = |s: &str| agent.contains(s);
    let device = if has("iPhone") {
        "iPhone"
    } else if has("iPad") {
        "iPad"
    } else if has("Android") {
        // Android phones' browsers say "Mobile"; tablets' don't.
        if has("Mobile") { "Android phone" } else { "Android tablet" }
    } else if has("CrOS") {
        "Chromebook"
    } else if has("Windows") {
        "Windows computer"
    } else if has("Macintosh") {
        "Mac"
    } else if has("Linux") {
        "Linux computer"
    } else {
        return None;
    };
    // Most specific first: every Chromium-based browser says "Chrome", and Chrome says "Safari".
    let browser = [
        ("SamsungBrowser", "Samsung Internet"),
        ("Edg", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("FxiOS", "Firefox"),
        ("CriOS", "Chrome"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ]
    .into_iter()
    .find_map(|(mark, name)| has(mark).then_some(name));
    Some(match browser {
        Some(browser) => format!("{device} ({browser})"),
        None => device.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::from_user_agent;

    #[test]
    fn common_phones_tablets_and_computers_are_named_and_anything_else_is_not() {
        let cases = [
            (
                "Mozilla/5.0 (Linux; Android 13; SM-A145R) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
                Some("Android phone (Samsung Internet)"),
            ),
            (
                "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
                Some("Android phone (Chrome)"),
            ),
            (
                "Mozilla/5.0 (Linux; Android 12; SM-X200) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
                Some("Android tablet (Chrome)"),
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
                Some("iPhone (Safari)"),
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1",
                Some("iPhone (Chrome)"),
            ),
            (
                "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
                Some("iPad (Safari)"),
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0",
                Some("Windows computer (Edge)"),
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) Gecko/20100101 Firefox/125.0",
                Some("Mac (Firefox)"),
            ),
            (
                "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
                Some("Chromebook (Chrome)"),
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36",
                Some("Linux computer (Chrome)"),
            ),
            ("curl/8.5.0", None),
            ("", None),
        ];
        for (agent, named) in cases {
            assert_eq!(from_user_agent(agent).as_deref(), named, "{agent}");
        }
    }
}
