/* Publishing form enhancements (the form works without them):
   - the address search asks /publier/adresse and lists candidates to choose from;
   - with Leaflet present (/static/vendor/leaflet/), a small map places a pin that fills the
     latitude and longitude fields, and follows them when they are typed. */
(function () {
  "use strict";

  function byId(id) { return document.getElementById(id); }

  var latInput = byId("lat");
  var lonInput = byId("lon");
  var pin = null;
  var map = null;

  function setCoordinates(lat, lon) {
    if (!latInput || !lonInput) { return; }
    latInput.value = Number(lat).toFixed(6);
    lonInput.value = Number(lon).toFixed(6);
    showPin(lat, lon, true);
  }

  function showPin(lat, lon, pan) {
    if (!map || !window.L) { return; }
    if (pin) {
      pin.setLatLng([lat, lon]);
    } else {
      pin = window.L.marker([lat, lon], { draggable: true, keyboard: true }).addTo(map);
      pin.on("dragend", function () {
        var position = pin.getLatLng();
        setCoordinates(position.lat, position.lng);
      });
    }
    if (pan) { map.setView([lat, lon], Math.max(map.getZoom(), 15)); }
  }

  function fill(result) {
    var fields = { "place-name": result.name, street: result.street, postcode: result.postcode,
                   city: result.city, country: result.country };
    Object.keys(fields).forEach(function (id) {
      var input = byId(id);
      if (input && fields[id] && !input.value) { input.value = fields[id]; }
    });
    setCoordinates(result.lat, result.lon);
  }

  function setupSearch() {
    var button = byId("geocode-button");
    var input = byId("address-search");
    var list = byId("geocode-results");
    if (!button || !input || !list || !window.fetch) { return; }
    button.addEventListener("click", function (event) {
      var query = input.value.trim();
      if (!query) { return; }  /* let the form explain */
      event.preventDefault();
      list.textContent = "";
      fetch(input.getAttribute("data-geocode-url") + "?q=" + encodeURIComponent(query),
            { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.json().then(function (body) { return [response, body]; }); })
        .then(function (pair) {
          var response = pair[0], body = pair[1];
          if (!response.ok || body.available === false) {
            var item = document.createElement("li");
            item.textContent = body.error || byId("address-search-hint").textContent;
            list.appendChild(item);
            return;
          }
          if (!body.results.length) {
            var none = document.createElement("li");
            none.textContent = "—";
            list.appendChild(none);
            return;
          }
          body.results.forEach(function (result) {
            var item = document.createElement("li");
            var choose = document.createElement("button");
            choose.type = "button";
            choose.textContent = result.label;
            choose.addEventListener("click", function () {
              fill(result);
              list.textContent = "";
              if (latInput) { latInput.focus(); }
            });
            item.appendChild(choose);
            list.appendChild(item);
          });
        })
        .catch(function () { button.form.requestSubmit(button); });
    });
  }

  function setupMap() {
    var element = byId("pin-map");
    if (!element || !window.L || !latInput || !lonInput) { return; }
    element.hidden = false;
    map = window.L.map(element).setView(
      [Number(element.dataset.lat), Number(element.dataset.lon)], Number(element.dataset.zoom) || 8);
    window.L.tileLayer(element.dataset.tiles, {
      maxZoom: 19, attribution: element.dataset.attribution
    }).addTo(map);
    map.on("click", function (event) { setCoordinates(event.latlng.lat, event.latlng.lng); });
    function typed() {
      var lat = parseFloat(latInput.value.replace(",", "."));
      var lon = parseFloat(lonInput.value.replace(",", "."));
      if (isFinite(lat) && isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180) {
        showPin(lat, lon, true);
      }
    }
    latInput.addEventListener("change", typed);
    lonInput.addEventListener("change", typed);
    typed();
  }

  function start() {
    setupSearch();
    setupMap();
    var summary = byId("erreurs") || byId("apercu");
    if (summary) { summary.focus(); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
